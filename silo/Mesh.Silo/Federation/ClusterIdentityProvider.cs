using Mesh.Contracts.Certificates;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Silo.Cache;
using Mesh.Silo.Certificates;
using Mesh.Silo.Cluster;

namespace Mesh.Silo.Federation;

/// <summary>This cluster as peers see it: name, trust domain, the roots it trusts now, and where its silos are.</summary>
internal sealed class ClusterIdentityProvider(SiloOptions options, SiloIdentity silo, ResourceCache cache)
{
    public string ClusterName => options.Federation.ClusterName is { Length: > 0 } name ? name : options.Ca.TrustDomain;

    public string TrustDomain => options.Ca.TrustDomain;

    public IReadOnlyList<string> Addresses => options.Federation.Addresses is { Count: > 0 } configured
        ? configured
        : silo.Address.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The mesh's own roots, as published to its sidecars (old and new during a rotation).</summary>
    public IReadOnlyList<string> Roots =>
        cache.Get(TrustBundlePublisher.Key) is { } bundle && MeshJson.FromElement<TrustBundleSpec>(bundle.Spec) is { } spec ? spec.Roots : [];

    public ClusterIdentity Current()
    {
        var identity = new ClusterIdentity { Name = ClusterName, TrustDomain = TrustDomain };
        identity.Roots.AddRange(Roots);
        identity.Addresses.AddRange(Addresses);
        return identity;
    }
}
