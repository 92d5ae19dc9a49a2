using Mesh.Contracts.Registry;

namespace Mesh.Contracts.Federation;

/// <summary>
/// Spec of an <c>ImportedService</c> resource (mesh.dev/v1): a service a peer cluster exports to this one, as the peer
/// last described it. Written only by the silos from the peering stream, never through the API. The routing compiler
/// adds it to the local service of the same name and namespace (or makes one), as endpoints that are the peer's
/// east-west gateway, one per locality, weighted by the peer's healthy endpoints there.
/// </summary>
public sealed record ImportedServiceSpec
{
    /// <summary>The peering it came from (this cluster's name for the peer).</summary>
    public string Peer { get; set; } = "";

    /// <summary>The service's name in its namespace (the resource's own namespace).</summary>
    public string Service { get; set; } = "";

    public string? ServiceAccount { get; init; }

    /// <summary>The peer's trust domain: its workloads' SPIFFE IDs are <c>spiffe://TRUST_DOMAIN/ns/NS/sa/ACCOUNT</c>.</summary>
    public string TrustDomain { get; set; } = "";

    public string GatewayAddress { get; set; } = "";

    public int GatewayPort { get; init; }

    /// <summary>
    /// Set when this cluster's probes cannot reach the peer's gateway: every locality is then unhealthy, so nothing is
    /// sent to a gateway that is gone (Linkerd's gateway probes), with or without outlier detection.
    /// </summary>
    public bool GatewayUnreachable { get; init; }

    public IReadOnlyList<ServicePort> Ports { get; set; } = [];

    public IReadOnlyList<ImportedLocality> Localities { get; set; } = [];

    /// <summary>The resource name of the import of <paramref name="service"/> from <paramref name="peer"/>.</summary>
    public static string NameFor(string peer, string service) => $"{peer}.{service}";
}

/// <summary>The peer's endpoints of the service in one locality.</summary>
public sealed record ImportedLocality
{
    public string? Region { get; init; }

    public string? Zone { get; init; }

    public string? Subzone { get; init; }

    public int Healthy { get; init; }

    public int Total { get; init; }

    /// <summary>Labels every endpoint of the locality carries (so subsets selecting on them include it).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();
}
