using Mesh.Routing.Model;
using Mesh.Sidecar.Resilience;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Configuration;

/// <summary>One weighted destination of a route; <see cref="Cluster"/> is null when the route names an unknown cluster.</summary>
internal sealed record RouteTarget(ClusterRuntime? Cluster, string ClusterName, int CumulativeWeight, WeightedClusterConfig Config);

/// <summary>A compiled route: matchers, weighted targets and the resilience settings parsed once.</summary>
internal sealed class RouteRuntime
{
    public RouteRuntime(RouteConfig config, RouteMatcher[] matchers, RouteTarget[] targets, ClusterRuntime? mirror)
    {
        Config = config;
        Matchers = matchers;
        Targets = targets;
        TotalWeight = targets.Length == 0 ? 0 : targets[^1].CumulativeWeight;
        Retry = config.Retry is { Attempts: > 0 } retry ? new RetryPolicy(retry) : null;
        Mirror = mirror;
    }

    public RouteConfig Config { get; }
    public string Name => Config.Name;
    public RouteMatcher[] Matchers { get; }
    public RouteTarget[] Targets { get; }
    public int TotalWeight { get; }
    public RetryPolicy? Retry { get; }
    public ClusterRuntime? Mirror { get; }

    /// <summary>Matches when any matcher matches; a route without matchers matches everything.</summary>
    public RouteMatcher? Match(HttpContext context, int port, out bool matched)
    {
        matched = Matchers.Length == 0;
        foreach (var matcher in Matchers)
        {
            if (matcher.IsMatch(context, port))
            {
                matched = true;
                return matcher;
            }
        }

        return null;
    }

    public RouteTarget? PickTarget(Random random)
    {
        if (Targets.Length <= 1)
        {
            return Targets.Length == 0 ? null : Targets[0];
        }

        var point = random.Next(TotalWeight);
        foreach (var target in Targets)
        {
            if (point < target.CumulativeWeight)
            {
                return target;
            }
        }

        return Targets[^1];
    }
}

/// <summary>Routes of one service host and port, in Istio's first-match order.</summary>
internal sealed record VirtualHostRuntime(VirtualHostConfig Config, RouteRuntime[] Routes)
{
    /// <summary>The first route that matches (Istio order) and the match block that did; null when none matches.</summary>
    public RouteRuntime? FirstMatch(HttpContext context, int port, out RouteMatcher? matcher)
    {
        foreach (var candidate in Routes)
        {
            matcher = candidate.Match(context, port, out var matched);
            if (matched)
            {
                return candidate;
            }
        }

        matcher = null;
        return null;
    }
}
