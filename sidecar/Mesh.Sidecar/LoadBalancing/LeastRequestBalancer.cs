using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// Least request by power of two choices: two weighted-random candidates, keep the one with fewer in-flight
/// requests per unit of weight. Avoids the herd effect of always choosing the global minimum.
/// </summary>
internal sealed class LeastRequestBalancer(Random random) : ILoadBalancer
{
    public EndpointRuntime? Pick(EndpointRuntime[] endpoints, in EndpointFilter filter, HttpContext? context)
    {
        var first = RandomBalancer.PickWeighted(endpoints, filter, random);
        if (first is null)
        {
            return null;
        }

        var second = RandomBalancer.PickWeighted(endpoints, filter, random);
        if (second is null || ReferenceEquals(first, second))
        {
            return first;
        }

        return Load(second) < Load(first) ? second : first;
    }

    private static double Load(EndpointRuntime endpoint) =>
        (Volatile.Read(ref endpoint.State.ActiveRequests) + 1) / (double)endpoint.Weight;
}
