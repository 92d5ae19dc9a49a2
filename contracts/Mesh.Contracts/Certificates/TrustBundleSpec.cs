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

    public string TrustDomain { get; init; } = "";

    /// <summary>One PEM certificate per root.</summary>
    public IReadOnlyList<string> Roots { get; init; } = [];
}
