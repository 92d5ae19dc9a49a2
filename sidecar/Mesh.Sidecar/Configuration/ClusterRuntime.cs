using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Resilience;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Configuration;

/// <summary>A compiled cluster: endpoints, balancer and the long-lived state shared with earlier configurations.</summary>
internal sealed class ClusterRuntime
{
    /// <summary>Endpoint groups in the order they are tried (locality priorities); one group when locality does not matter.</summary>
    private readonly PriorityTier[] _tiers;

    /// <param name="priorities">Per endpoint, from <see cref="LoadBalancing.Locality.LocalityPlanner"/>; null ranks by <see cref="EndpointRuntime.InLocalZone"/> alone.</param>
    public ClusterRuntime(ClusterConfig config, EndpointRuntime[] endpoints, ILoadBalancer balancer, ClusterState state, int[]? priorities = null)
    {
        Config = config;
        Endpoints = endpoints;
        Balancer = balancer;
        State = state;
        PoolLimit = ClusterState.LimitOf(config.ConnectionPool);
        priorities ??= ZonePriorities(config, endpoints);
        _tiers = PriorityTier.Build(config.LoadBalancer, endpoints, balancer, priorities, Random.Shared);
        DestinationService = string.IsNullOrEmpty(config.Host) ? config.ServiceName : config.Host;
    }

    public ClusterConfig Config { get; }
    public string Name => Config.Name;
    public EndpointRuntime[] Endpoints { get; }
    public ILoadBalancer Balancer { get; }
    public ClusterState State { get; }
    public int PoolLimit { get; }
    public string DestinationService { get; }

    /// <summary>
    /// Picks an endpoint: from the best priority while any endpoint there is available, then the next, then (so a
    /// retry is never stranded) the endpoint being retried away from, and finally ejected endpoints (Envoy's panic
    /// mode) rather than failing while some endpoint is registered healthy.
    /// </summary>
    public EndpointRuntime? Select(HttpContext? context, EndpointRuntime? exclude, long nowTicks)
    {
        var includeEjected = Config.OutlierDetection is { MinHealthPercent: > 0 } outlier && BelowMinHealth(outlier, nowTicks);
        return Pick(context, new EndpointFilter(nowTicks, false, exclude, includeEjected))
            ?? (exclude is null ? null : Pick(context, new EndpointFilter(nowTicks, false, null, includeEjected)))
            ?? (includeEjected ? null : Pick(context, new EndpointFilter(nowTicks, false, null, true)));
    }

    private EndpointRuntime? Pick(HttpContext? context, in EndpointFilter filter)
    {
        foreach (var tier in _tiers)
        {
            if (tier.Balancer.Pick(tier.Endpoints, filter, context) is { } endpoint)
            {
                return endpoint;
            }
        }

        return null;
    }

    /// <summary>Without a locality plan: the sidecar's own zone first, as before regions and subzones were known.</summary>
    private static int[] ZonePriorities(ClusterConfig config, EndpointRuntime[] endpoints)
    {
        var priorities = new int[endpoints.Length];
        if (config.LoadBalancer.LocalityAware && Array.Exists(endpoints, e => e.InLocalZone))
        {
            for (var i = 0; i < endpoints.Length; i++)
            {
                priorities[i] = endpoints[i].InLocalZone ? 0 : 1;
            }
        }

        return priorities;
    }

    private bool BelowMinHealth(OutlierDetectionConfig outlier, long nowTicks)
    {
        var available = 0;
        foreach (var endpoint in Endpoints)
        {
            if (!endpoint.State.IsEjected(nowTicks))
            {
                available++;
            }
        }

        return available * 100 < outlier.MinHealthPercent * Endpoints.Length;
    }
}
