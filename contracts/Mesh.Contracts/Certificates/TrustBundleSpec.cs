namespace Mesh.Contracts.Certificates;

/// <summary>
/// Spec of the <c>TrustBundle</c> resource the silos publish (namespace <see cref="Namespace"/>, name
/// <see cref="Name"/>): every root a workload must trust right now, as PEM. During root rotation it carries the
/// old and the new root. Sidecars receive it through the subscription stream like any other resource.
/// </summary>
public sealed record TrustBundleSpec
{
    public const string Namespace = "istio-system";
    public const string Name = "mesh-trust-bundle";

    public string TrustDomain { get; set; } = "";

    /// <summary>One PEM certificate per root.</summary>
    public IReadOnlyList<string> Roots { get; set; } = [];

    /// <summary>
    /// The roots of peer clusters (federation): a workload of a peer presents an SVID of the peer's trust domain that
    /// chains to one of these. Removed when the peering is deleted.
    /// </summary>
    public IReadOnlyList<FederatedTrustBundle> Federated { get; set; } = [];
}

/// <summary>One peer cluster's trust domain and roots (PEM), as the SPIFFE federation bundle endpoint would give them.</summary>
public sealed record FederatedTrustBundle
{
    public string Peer { get; set; } = "";

    public string TrustDomain { get; set; } = "";

    public IReadOnlyList<string> Roots { get; set; } = [];
}
