using System.Text.Json;
using System.Text.Json.Serialization;
using Mesh.Contracts.Json;
using Mesh.Sidecar.Connections;
using Mesh.Sidecar.Listeners;
using Mesh.Sidecar.Registration;
using Mesh.Sidecar.Security;
using Mesh.Sidecar.State;

namespace Mesh.Sidecar.Hosting;

/// <summary>
/// The sidecar's own JSON types, generated at compile time: the NativeAOT sidecar has no reflection-based JSON, so a
/// type missing here fails when it is first written or read.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true)]
[JsonSerializable(typeof(StateFile.StateDocument))]
[JsonSerializable(typeof(CertificateAdmin.CertsView))]
[JsonSerializable(typeof(AdminEndpoints.ConfigDump))]
[JsonSerializable(typeof(IReadOnlyList<ListenerStatus>))]
[JsonSerializable(typeof(SvidClient.SigningRequest))]
[JsonSerializable(typeof(SvidClient.SigningResponse))]
[JsonSerializable(typeof(CredentialCache.FetchRequest))]
[JsonSerializable(typeof(CredentialCache.FetchResponse))]
[JsonSerializable(typeof(EndpointRegistrar.RenewRequest))]
[JsonSerializable(typeof(EndpointRegistrar.RenewResult))]
internal sealed partial class SidecarJsonContext : JsonSerializerContext;

/// <summary>The mesh's JSON settings with the sidecar's own types added.</summary>
internal static class SidecarJson
{
    public static readonly JsonSerializerOptions Options = MeshJson.CreateOptions(SidecarJsonContext.Default);
}
