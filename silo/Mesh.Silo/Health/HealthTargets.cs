using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Silo.Health;

/// <summary>
/// Finds the endpoints to probe in a cache snapshot: endpoints whose service (same namespace, <c>spec.service</c>)
/// has a health check. Parsed specs are remembered by resource version, so a rescan parses only what changed.
/// </summary>
internal sealed class HealthTargets(int shards)
{
    private Dictionary<ResourceKey, (long Version, HealthCheckPolicy? Policy)> _policies = [];
    private Dictionary<ResourceKey, (long Version, EndpointSpec Spec)> _endpoints = [];

    public int Shards => shards;

    /// <summary>Targets whose shard passes <paramref name="include"/>.</summary>
    public List<ProbeTarget> Find(IReadOnlyList<MeshResource> resources, Func<int, bool> include)
    {
        var policies = new Dictionary<ResourceKey, (long, HealthCheckPolicy?)>();
        foreach (var service in resources.Where(r => r.Kind == ResourceKinds.Service))
        {
            policies[service.Key] = _policies.TryGetValue(service.Key, out var known) && known.Version == service.Version
                ? known
                : (service.Version, Parse<ServiceSpec>(service)?.HealthCheck is { } check ? HealthCheckPolicy.From(check) : null);
        }

        _policies = policies;
        var endpoints = new Dictionary<ResourceKey, (long, EndpointSpec)>();
        var targets = new List<ProbeTarget>();
        foreach (var endpoint in resources.Where(r => r.Kind == ResourceKinds.Endpoint))
        {
            var shard = ShardHash.Of(endpoint.Key.Namespace, endpoint.Key.Name, shards);
            if (!include(shard))
            {
                continue;
            }

            var spec = _endpoints.TryGetValue(endpoint.Key, out var known) && known.Version == endpoint.Version ? known.Spec : Parse<EndpointSpec>(endpoint);
            if (spec is null)
            {
                continue;
            }

            endpoints[endpoint.Key] = (endpoint.Version, spec);
            var serviceKey = new ResourceKey(ResourceKinds.Service, endpoint.Key.Namespace, spec.Service);
            if (policies.TryGetValue(serviceKey, out var service) && service.Item2 is { } policy)
            {
                targets.Add(new ProbeTarget(endpoint.Key, shard, spec.Address, spec.Port, spec.Health, policy));
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
}
