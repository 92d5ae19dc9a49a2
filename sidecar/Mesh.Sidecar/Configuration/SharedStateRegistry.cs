using System.Collections.Concurrent;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Resilience;

namespace Mesh.Sidecar.Configuration;

/// <summary>
/// Per-endpoint and per-cluster state keyed by name, handed to each new configuration so outlier ejections,
/// in-flight counts and rate-limit buckets carry over a config swap instead of resetting.
/// </summary>
internal sealed class SharedStateRegistry
{
    private readonly ConcurrentDictionary<string, EndpointState> _endpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClusterState> _clusters = new(StringComparer.Ordinal);

    public EndpointState Endpoint(string key) => _endpoints.GetOrAdd(key, static _ => new EndpointState());

    public ClusterState Cluster(string name) => _clusters.GetOrAdd(name, static _ => new ClusterState());

    /// <summary>Forgets state of endpoints and clusters the new configuration no longer has.</summary>
    public void Retain(IReadOnlySet<string> endpointKeys, IReadOnlySet<string> clusterNames)
    {
        foreach (var key in _endpoints.Keys)
        {
            if (!endpointKeys.Contains(key))
            {
                _endpoints.TryRemove(key, out _);
            }
        }

        foreach (var name in _clusters.Keys)
        {
            if (!clusterNames.Contains(name))
            {
                _clusters.TryRemove(name, out _);
            }
        }
    }
}
