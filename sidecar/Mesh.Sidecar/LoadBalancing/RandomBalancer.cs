using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>Weighted random choice among the accepted endpoints.</summary>
internal sealed class RandomBalancer(Random random) : ILoadBalancer
{
    public EndpointRuntime? Pick(EndpointRuntime[] endpoints, in EndpointFilter filter, HttpContext? context) =>
        PickWeighted(endpoints, filter, random);

    /// <summary>Two passes over the endpoints, no allocation: sum the accepted weights, then walk to a random point.</summary>
    internal static EndpointRuntime? PickWeighted(EndpointRuntime[] endpoints, in EndpointFilter filter, Random random)
    {
        long total = 0;
        foreach (var endpoint in endpoints)
        {
            if (filter.Accepts(endpoint))
            {
                total += endpoint.Weight;
            }
        }

        if (total == 0)
        {
            return null;
        }

        var point = random.NextInt64(total);
        foreach (var endpoint in endpoints)
        {
            if (filter.Accepts(endpoint))
            {
                point -= endpoint.Weight;
                if (point < 0)
                {
                    return endpoint;
                }
            }
        }

        return null;
    }
}
