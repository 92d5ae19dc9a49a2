namespace Mesh.Contracts.Resources;

/// <summary>The kinds the control plane accepts, with the apiVersions each may carry.</summary>
public static class ResourceKinds
{
    public const string MeshApiVersion = "mesh.dev/v1";

    public const string Service = "Service";
    public const string Endpoint = "Endpoint";

    /// <summary>Roots workloads trust (mesh.dev/v1), published by the silos' CA; not writable through the API.</summary>
    public const string TrustBundle = "TrustBundle";

    /// <summary>Which services of a namespace the cluster exports to which peer clusters (mesh.dev/v1).</summary>
    public const string ExportedServices = "ExportedServices";

    /// <summary>A service a peer cluster exports to this one (mesh.dev/v1); written by the silos, not writable through the API.</summary>
    public const string ImportedService = "ImportedService";

    public const string VirtualService = "VirtualService";
    public const string DestinationRule = "DestinationRule";
    public const string Gateway = "Gateway";
    public const string ServiceEntry = "ServiceEntry";
    public const string WorkloadEntry = "WorkloadEntry";
    public const string Sidecar = "Sidecar";
    public const string PeerAuthentication = "PeerAuthentication";
    public const string AuthorizationPolicy = "AuthorizationPolicy";
    public const string RequestAuthentication = "RequestAuthentication";

    /// <summary>The Gateway API Inference Extension's pool of model servers (inference.networking.k8s.io/v1 only).</summary>
    public const string InferencePool = "InferencePool";

    /// <summary>Kinds written through the generic resource API, keyed by kind, valued by accepted API groups.</summary>
    public static readonly IReadOnlyDictionary<string, string> ConfigKindGroups = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [VirtualService] = "networking.istio.io",
        [DestinationRule] = "networking.istio.io",
        [Gateway] = "networking.istio.io",
        [ServiceEntry] = "networking.istio.io",
        [WorkloadEntry] = "networking.istio.io",
        [Sidecar] = "networking.istio.io",
        [PeerAuthentication] = "security.istio.io",
        [AuthorizationPolicy] = "security.istio.io",
        [RequestAuthentication] = "security.istio.io",
        [InferencePool] = "inference.networking.k8s.io",
        [ExportedServices] = "mesh.dev",
    };

    public static readonly IReadOnlyList<string> IstioVersions = ["v1", "v1beta1", "v1alpha3"];

    private static readonly IReadOnlyList<string> V1Only = ["v1"];

    /// <summary>The versions of its group a config kind accepts.</summary>
    public static IReadOnlyList<string> VersionsFor(string kind) => kind is InferencePool or ExportedServices ? V1Only : IstioVersions;

    public static bool IsConfigKind(string kind) => ConfigKindGroups.ContainsKey(kind);
}
