using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.Contracts.Certificates;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Inference;
using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Istio.Security;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Contracts.Json;

/// <summary>
/// Serialization code generated at compile time for the types that cross the wire, so that a NativeAOT sidecar
/// (reflection off) reads and writes them. Every spec kind is here, not only those the sidecar reads today: a kind
/// added to routing later must not fail only in the AOT binary.
/// Generated code sets every <c>init</c> property when it creates an object, so an <c>init</c> property's default is
/// lost when the JSON omits it (dotnet/runtime#84484). Wire types therefore give defaults only to <c>set</c>
/// properties; tests/Mesh.Tests/Sidecar/Aot/SourceGeneratedJsonTests.cs compares every generated type with reflection.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    MaxDepth = MeshJson.MaxDepth)]
[JsonSerializable(typeof(MeshResource))]
[JsonSerializable(typeof(IReadOnlyList<MeshResource>))]
[JsonSerializable(typeof(ServiceSpec))]
[JsonSerializable(typeof(EndpointSpec))]
[JsonSerializable(typeof(EndpointView))]
[JsonSerializable(typeof(EndpointRegistration))]
[JsonSerializable(typeof(OutlierReport))]
[JsonSerializable(typeof(VirtualServiceSpec))]
[JsonSerializable(typeof(DestinationRuleSpec))]
[JsonSerializable(typeof(GatewaySpec))]
[JsonSerializable(typeof(ServiceEntrySpec))]
[JsonSerializable(typeof(WorkloadEntrySpec))]
[JsonSerializable(typeof(SidecarSpec))]
[JsonSerializable(typeof(PeerAuthenticationSpec))]
[JsonSerializable(typeof(AuthorizationPolicySpec))]
[JsonSerializable(typeof(RequestAuthenticationSpec))]
[JsonSerializable(typeof(InferencePoolSpec))]
[JsonSerializable(typeof(TrustBundleSpec))]
[JsonSerializable(typeof(ExportedServicesSpec))]
[JsonSerializable(typeof(ImportedServiceSpec))]
[JsonSerializable(typeof(PeeringToken))]
// Istio has a WorkloadSelector in networking and another in security; each needs its own generated name.
[JsonSerializable(typeof(Istio.Networking.WorkloadSelector), TypeInfoPropertyName = "NetworkingWorkloadSelector")]
[JsonSerializable(typeof(Istio.Security.WorkloadSelector), TypeInfoPropertyName = "SecurityWorkloadSelector")]
public sealed partial class MeshJsonContext : JsonSerializerContext;
