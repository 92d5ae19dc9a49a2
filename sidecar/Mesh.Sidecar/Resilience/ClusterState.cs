using Mesh.Routing.Model;

namespace Mesh.Sidecar.Resilience;

/// <summary>
/// Per-cluster counters that outlive configuration swaps: in-flight requests and retries (connection-pool limits
/// and the retry budget are measured against them) and the rate-limit bucket.
/// </summary>
internal sealed class ClusterState
{
    public int ActiveRequests;
    public int ActiveRetries;

    public TokenBucket? RateLimiter { get; set; }

    /// <summary>Admits a request unless the cluster's pool limit is reached (Envoy circuit breaker → 503 UO).</summary>
    public bool TryEnter(int limit)
    {
        var active = Interlocked.Increment(ref ActiveRequests);
        if (active <= limit)
        {
            return true;
        }

        Interlocked.Decrement(ref ActiveRequests);
        return false;
    }

    public void Exit() => Interlocked.Decrement(ref ActiveRequests);

    /// <summary>
    /// Retry budget: retries in flight may be at most budgetPercent of the requests in flight, but
    /// minRetryConcurrency are always allowed so light traffic can still retry. maxRetries from the pool caps both.
    /// </summary>
    public bool TryStartRetry(RetryConfig retry, int? maxRetries)
    {
        var active = Volatile.Read(ref ActiveRequests);
        var allowed = Math.Max(retry.MinRetryConcurrency, (int)(active * retry.BudgetPercent / 100));
        if (maxRetries is { } cap)
        {
            allowed = Math.Min(allowed, cap);
        }

        var retries = Interlocked.Increment(ref ActiveRetries);
        if (retries <= allowed)
        {
            return true;
        }

        Interlocked.Decrement(ref ActiveRetries);
        return false;
    }

    public void EndRetry() => Interlocked.Decrement(ref ActiveRetries);

    /// <summary>Concurrent requests allowed by a pool config (maxRequests, or connections plus pending queue).</summary>
    public static int LimitOf(ConnectionPoolConfig? pool)
    {
        if (pool is null)
        {
            return int.MaxValue;
        }

        long limit = pool.MaxRequests ?? int.MaxValue;
        if (pool.MaxConnections is { } connections)
        {
            limit = Math.Min(limit, (long)connections + (pool.MaxPendingRequests ?? 0));
        }
        else if (pool.MaxPendingRequests is { } pending && pool.MaxRequests is null)
        {
            limit = Math.Min(limit, pending);
        }

        return (int)Math.Clamp(limit, 1, int.MaxValue);
    }
}
