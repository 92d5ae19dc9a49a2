using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// Weighted round robin over a precomputed smooth schedule (nginx's algorithm), so the hot path is one Interlocked
/// increment and an array read. Filtered-out endpoints are skipped by walking on along the schedule.
/// </summary>
internal sealed class RoundRobinBalancer : ILoadBalancer
{
    private const int MaxScheduleLength = 4096;
    private readonly int[] _schedule;
    private int _next = -1;

    public RoundRobinBalancer(EndpointRuntime[] endpoints)
    {
        _schedule = BuildSchedule(endpoints);
    }

    public EndpointRuntime? Pick(EndpointRuntime[] endpoints, in EndpointFilter filter, HttpContext? context)
    {
        var length = _schedule.Length;
        if (length == 0)
        {
            return null;
        }

        var start = (uint)Interlocked.Increment(ref _next);
        for (var i = 0; i < length; i++)
        {
            var candidate = endpoints[_schedule[(int)((start + (uint)i) % (uint)length)]];
            if (filter.Accepts(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    internal static int[] BuildSchedule(EndpointRuntime[] endpoints)
    {
        if (endpoints.Length == 0)
        {
            return [];
        }

        var weights = new long[endpoints.Length];
        long divisor = 0;
        for (var i = 0; i < endpoints.Length; i++)
        {
            weights[i] = endpoints[i].Weight;
            divisor = Gcd(divisor, weights[i]);
        }

        long total = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] /= divisor;
            total += weights[i];
        }

        if (total > MaxScheduleLength)
        {
            // Scale down, keeping every endpoint in the schedule at least once.
            total = 0;
            var scale = (double)MaxScheduleLength / weights.Sum();
            for (var i = 0; i < weights.Length; i++)
            {
                weights[i] = Math.Max(1, (long)Math.Round(weights[i] * scale));
                total += weights[i];
            }
        }

        var schedule = new int[total];
        var current = new long[weights.Length];
        for (var step = 0; step < total; step++)
        {
            var best = 0;
            for (var i = 0; i < weights.Length; i++)
            {
                current[i] += weights[i];
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            schedule[step] = best;
        }

        return schedule;
    }

    private static long Gcd(long a, long b) => b == 0 ? a : Gcd(b, a % b);
}
