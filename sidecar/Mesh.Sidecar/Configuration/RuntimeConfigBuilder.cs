using Mesh.Routing.Model;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.LoadBalancing.Locality;
using Mesh.Sidecar.Resilience;

namespace Mesh.Sidecar.Configuration;

/// <summary>
/// Turns a <see cref="ProxyConfig"/> into the precomputed tables the hot path uses (host table, matchers, regexes,
/// balancers, cumulative weights). Throws <see cref="ArgumentException"/> naming the culprit for unusable input.
/// </summary>
internal sealed class RuntimeConfigBuilder(SidecarOptions options, SharedStateRegistry shared, TimeProvider time)
{
    public RuntimeConfig Build(ProxyConfig config)
    {
        var endpointKeys = new HashSet<string>(StringComparer.Ordinal);
        var clusters = new Dictionary<string, ClusterRuntime>(StringComparer.Ordinal);
        foreach (var (name, cluster) in config.Clusters)
        {
            clusters[name] = BuildCluster(cluster with { Name = name }, endpointKeys);
        }

        var virtualHosts = options.Mode == SidecarMode.Gateway
            ? config.Gateways.SelectMany(g => g.VirtualHosts)
            : config.VirtualHosts;
        var hosts = new List<VirtualHostRuntime>();
        foreach (var host in virtualHosts)
        {
            hosts.Add(new VirtualHostRuntime(host, [.. host.Routes.Select(r => BuildRoute(host, r, clusters))]));
        }

        var gateway = options.Mode == SidecarMode.Gateway;
        var egressProxy = !gateway && config.OutboundTrafficPolicy.EgressProxyRoute is { } proxy
            ? BuildRoute(new VirtualHostConfig { Name = "outboundTrafficPolicy" }, proxy, clusters)
            : null;
        var runtime = new RuntimeConfig(config, new HostTable(hosts, ignorePort: gateway), clusters,
            gateway ? OutboundTrafficMode.Unset : config.OutboundTrafficPolicy.Mode, egressProxy);
        shared.Retain(endpointKeys, clusters.Keys.ToHashSet(StringComparer.Ordinal));
        return runtime;
    }

    private readonly CallerLocality _locality = new(options.Region, options.Zone, options.Subzone, options.Labels);

    private ClusterRuntime BuildCluster(ClusterConfig config, HashSet<string> endpointKeys)
    {
        var plan = LocalityPlanner.Plan(config.LoadBalancer, config.Endpoints, _locality);
        var endpoints = new EndpointRuntime[config.Endpoints.Count];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var endpoint = config.Endpoints[i];
            var key = EndpointRuntime.StateKey(config.Name, endpoint);
            endpointKeys.Add(key);
            endpoints[i] = new EndpointRuntime(endpoint, shared.Endpoint(key), options.Zone, viaSidecar: !config.External, config.ServiceName, plan.Weights?[i]);
        }

        var state = shared.Cluster(config.Name);
        if (config.RateLimit is null)
        {
            state.RateLimiter = null;
        }
        else if (state.RateLimiter?.Config != config.RateLimit)
        {
            if (config.RateLimit.MaxTokens <= 0 || config.RateLimit.FillInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException($"cluster {config.Name}: rate limit needs maxTokens > 0 and fillInterval > 0");
            }

            state.RateLimiter = new TokenBucket(config.RateLimit, time);
        }

        return new ClusterRuntime(config, endpoints, LoadBalancerFactory.Create(config.LoadBalancer, endpoints, Random.Shared), state, plan.Priorities);
    }

    private static RouteRuntime BuildRoute(VirtualHostConfig host, RouteConfig route, Dictionary<string, ClusterRuntime> clusters)
    {
        var targets = new List<RouteTarget>();
        var cumulative = 0;
        foreach (var weighted in route.Clusters)
        {
            if (weighted.Weight <= 0)
            {
                continue;
            }

            cumulative += weighted.Weight;
            targets.Add(new RouteTarget(clusters.GetValueOrDefault(weighted.Cluster), weighted.Cluster, cumulative, weighted));
        }

        try
        {
            var matchers = route.Matches.Select(m => new RouteMatcher(m)).ToArray();
            if (route.Rewrite?.RegexMatch is { } rewrite)
            {
                _ = StringMatcher.Compile(rewrite, ignoreCase: false);
            }

            var mirror = route.Mirror is null ? null : clusters.GetValueOrDefault(route.Mirror.Cluster);
            return new RouteRuntime(route, matchers, [.. targets], mirror);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"virtual host {host.Name} route {route.Name}: {ex.Message}", ex);
        }
    }
}
