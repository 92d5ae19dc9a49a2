using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Resilience;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Configuration;

/// <summary>A compiled cluster: endpoints, balancer and the long-lived state shared with earlier configurations.</summary>
internal sealed class ClusterRuntime
{
    public ClusterRuntime(ClusterConfig config, EndpointRuntime[] endpoints, ILoadBalancer balancer, ClusterState state)
    {
        Config = config;
        Endpoints = endpoints;
        Balancer = balancer;
        State = state;
        PoolLimit = ClusterState.LimitOf(config.ConnectionPool);
        PreferLocal = config.LoadBalancer.LocalityAware && Array.Exists(endpoints, e => e.InLocalZone);
        DestinationService = string.IsNullOrEmpty(config.Host) ? config.ServiceName : config.Host;
    }

    public ClusterConfig Config { get; }
    public string Name => Config.Name;
    public EndpointRuntime[] Endpoints { get; }
    public ILoadBalancer Balancer { get; }
    public ClusterState State { get; }
    public int PoolLimit { get; }
    public bool PreferLocal { get; }
    public string DestinationService { get; }

    /// <summary>
    /// Picks an endpoint: same zone first while any there is available, then any zone, then (so a retry is never
    /// stranded) the endpoint being retried away from, and finally ejected endpoints (Envoy's panic mode) rather than
    /// failing while some endpoint is registered healthy.
    /// </summary>
    public EndpointRuntime? Select(HttpContext? context, EndpointRuntime? exclude, long nowTicks)
    {
        var includeEjected = Config.OutlierDetection is { MinHealthPercent: > 0 } outlier && BelowMinHealth(outlier, nowTicks);
        if (PreferLocal && Balancer.Pick(Endpoints, new EndpointFilter(nowTicks, true, exclude, includeEjected), context) is { } local)
        {
            return local;
        }

        return Balancer.Pick(Endpoints, new EndpointFilter(nowTicks, false, exclude, includeEjected), context)
            ?? (exclude is null ? null : Balancer.Pick(Endpoints, new EndpointFilter(nowTicks, false, null, includeEjected), context))
            ?? (includeEjected ? null : Balancer.Pick(Endpoints, new EndpointFilter(nowTicks, false, null, true), context));
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
