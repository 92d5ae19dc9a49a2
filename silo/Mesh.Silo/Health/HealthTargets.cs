using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Silo.Health;

/// <summary>
/// Finds the endpoints to probe in the resource cache: endpoints whose service (same namespace, <c>spec.service</c>)
/// has a health check. Shards and parsed specs are remembered by resource version, so a rescan hashes and parses
/// only what changed, and parses only endpoints in included shards.
/// </summary>
internal sealed class HealthTargets(int shards)
{
    private Dictionary<ResourceKey, (long Version, HealthCheckPolicy? Policy)> _policies = [];
    private Dictionary<ResourceKey, EndpointEntry> _endpoints = [];

    /// <summary>Targets among the cache's endpoints whose shard passes <paramref name="include"/>.</summary>
    public List<ProbeTarget> Find(Cache.ResourceCache cache, Func<int, bool> include)
    {
        var policies = new Dictionary<ResourceKey, (long, HealthCheckPolicy?)>();
        foreach (var service in cache.OfKind(ResourceKinds.Service))
        {
            policies[service.Key] = _policies.TryGetValue(service.Key, out var known) && known.Version == service.Version
                ? known
                : (service.Version, Parse<ServiceSpec>(service)?.HealthCheck is { } check ? HealthCheckPolicy.From(check) : null);
        }

        _policies = policies;
        var endpoints = new Dictionary<ResourceKey, EndpointEntry>();
        var targets = new List<ProbeTarget>();
        foreach (var endpoint in cache.OfKind(ResourceKinds.Endpoint))
        {
            var entry = _endpoints.TryGetValue(endpoint.Key, out var known) && known.Version == endpoint.Version
                ? known
                : new EndpointEntry(endpoint.Version, ShardHash.Of(endpoint.Key.Namespace, endpoint.Key.Name, shards));
            endpoints[endpoint.Key] = entry;
            if (!include(entry.Shard))
            {
                continue;
            }

            if (!entry.Parsed)
            {
                entry.Spec = Parse<EndpointSpec>(endpoint);
                entry.Parsed = true;
            }

            if (entry.Spec is { } spec
                && policies.TryGetValue(new ResourceKey(ResourceKinds.Service, endpoint.Key.Namespace, spec.Service), out var service)
                && service.Item2 is { } policy)
            {
                targets.Add(new ProbeTarget(endpoint.Key, entry.Shard, spec.Address, spec.Port, spec.Health, policy));
            }
        }

        _endpoints = endpoints;
        return targets;
    }

    private static T? Parse<T>(MeshResource resource)
        where T : class
    {
        try
        {
            return MeshJson.FromElement<T>(resource.Spec);
        }
        catch (System.Text.Json.JsonException)
        {
            // Validated on the way in; a malformed stored spec just isn't probed.
            return null;
        }
    }

    private sealed class EndpointEntry(long version, int shard)
    {
        public long Version { get; } = version;

        public int Shard { get; } = shard;

        public EndpointSpec? Spec { get; set; }

        public bool Parsed { get; set; }
    }
}
