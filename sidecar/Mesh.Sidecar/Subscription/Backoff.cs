namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Exponential backoff with full jitter (delay uniformly in [0, min(cap, base·2^attempt)]), so sidecars that lost
/// the same silo do not reconnect to the next one in lockstep.
/// </summary>
internal static class Backoff
{
    public static readonly TimeSpan Base = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);

    public static TimeSpan Delay(int attempt, Random random)
    {
        var ceiling = Math.Min(Cap.TotalMilliseconds, Base.TotalMilliseconds * Math.Pow(2, Math.Clamp(attempt, 0, 30)));
        return TimeSpan.FromMilliseconds(random.NextDouble() * ceiling);
    }
}
