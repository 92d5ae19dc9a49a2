using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing;

namespace Mesh.Sidecar.Resilience;

/// <summary>
/// Passive outlier detection (Envoy's consecutive_5xx / consecutive_gateway_failure). An endpoint is ejected as soon
/// as it reaches a threshold, for baseEjectionTime × the number of times it was ejected (capped at 300 s or the
/// base, whichever is larger); the multiplier decays by one for every interval spent without ejection. No ejection
/// may raise the ejected share of the cluster above maxEjectionPercent.
/// </summary>
internal static class OutlierDetector
{
    private static readonly TimeSpan MaxEjectionTime = TimeSpan.FromSeconds(300);

    public static void RecordSuccess(EndpointState state)
    {
        if (state.Consecutive5xx != 0)
        {
            Volatile.Write(ref state.Consecutive5xx, 0);
        }

        if (state.ConsecutiveGatewayErrors != 0)
        {
            Volatile.Write(ref state.ConsecutiveGatewayErrors, 0);
        }
    }

    /// <summary>Records a 5xx or local failure; returns true when this call ejected the endpoint.</summary>
    public static bool RecordFailure(OutlierDetectionConfig config, EndpointRuntime[] cluster, EndpointRuntime endpoint, bool isGatewayError, long nowTicks)
    {
        var state = endpoint.State;
        var fivexx = Interlocked.Increment(ref state.Consecutive5xx);
        var gateway = isGatewayError ? Interlocked.Increment(ref state.ConsecutiveGatewayErrors) : 0;
        var tripped = (config.Consecutive5xxErrors > 0 && fivexx >= config.Consecutive5xxErrors)
            || (config.ConsecutiveGatewayErrors > 0 && gateway >= config.ConsecutiveGatewayErrors);
        if (!tripped)
        {
            return false;
        }

        lock (state)
        {
            if (state.IsEjected(nowTicks) || !CanEject(config, cluster, nowTicks))
            {
                return false;
            }

            var previousEnd = state.EjectedUntilTicks;
            var decayed = previousEnd == 0 || config.Interval <= TimeSpan.Zero
                ? state.EjectionMultiplier
                : (int)Math.Max(0, state.EjectionMultiplier - ((nowTicks - previousEnd) / config.Interval.Ticks));
            state.EjectionMultiplier = decayed + 1;
            state.TotalEjections++;
            Volatile.Write(ref state.EjectedUntilTicks, nowTicks + EjectionTime(config.BaseEjectionTime, state.EjectionMultiplier).Ticks);
            state.EjectionReason = config.ConsecutiveGatewayErrors > 0 && gateway >= config.ConsecutiveGatewayErrors
                ? $"{gateway} consecutive gateway errors (consecutiveGatewayErrors {config.ConsecutiveGatewayErrors})"
                : $"{fivexx} consecutive 5xx responses (consecutive5xxErrors {config.Consecutive5xxErrors})";
            state.Consecutive5xx = 0;
            state.ConsecutiveGatewayErrors = 0;
            return true;
        }
    }

    public static TimeSpan EjectionTime(TimeSpan baseEjectionTime, int multiplier)
    {
        var cap = baseEjectionTime > MaxEjectionTime ? baseEjectionTime : MaxEjectionTime;
        var ticks = baseEjectionTime.Ticks * (long)Math.Max(1, multiplier);
        return ticks > cap.Ticks || ticks < 0 ? cap : TimeSpan.FromTicks(ticks);
    }

    /// <summary>Whether one more ejection keeps the ejected share at or below maxEjectionPercent.</summary>
    public static bool CanEject(OutlierDetectionConfig config, EndpointRuntime[] cluster, long nowTicks)
    {
        if (cluster.Length == 0)
        {
            return false;
        }

        var ejected = 0;
        foreach (var endpoint in cluster)
        {
            if (endpoint.State.IsEjected(nowTicks))
            {
                ejected++;
            }
        }

        return (ejected + 1) * 100 <= config.MaxEjectionPercent * cluster.Length;
    }
}
