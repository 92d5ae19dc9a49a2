namespace Mesh.SimLlm.Engine;

/// <summary>
/// Running totals: the ground truth that <c>/admin/stats</c> reports and <c>/metrics</c> exposes under vLLM's names.
/// Tokens are counted when the engine handles them (prompt and prefix-cache tokens at prefill, each output token as it
/// is generated), so a request cut off mid-stream counts what it had produced.
/// </summary>
internal sealed class EngineStats
{
    /// <summary>vLLM's time_to_first_token_seconds buckets.</summary>
    public static readonly double[] TtftBuckets =
        [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0];

    private readonly Lock _histogramLock = new();
    private readonly long[] _ttftCounts = new long[TtftBuckets.Length];
    private long _ttftCount;
    private double _ttftSum;

    private long _requests;
    private long _finishedRequests;
    private long _promptTokens;
    private long _completionTokens;
    private long _prefixQueryTokens;
    private long _prefixHitTokens;
    private long _queueRejections;
    private long _failuresInjected;
    private long _embeddingRequests;
    private long _embeddingTokens;

    public void Admitted(int promptTokens, int cachedTokens)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _promptTokens, promptTokens);
        Interlocked.Add(ref _prefixQueryTokens, promptTokens);
        Interlocked.Add(ref _prefixHitTokens, cachedTokens);
    }

    public void Generated() => Interlocked.Increment(ref _completionTokens);

    public void Finished() => Interlocked.Increment(ref _finishedRequests);

    public void QueueRejected() => Interlocked.Increment(ref _queueRejections);

    public void FailureInjected() => Interlocked.Increment(ref _failuresInjected);

    public void Embedded(int tokens)
    {
        Interlocked.Increment(ref _embeddingRequests);
        Interlocked.Add(ref _embeddingTokens, tokens);
    }

    public void FirstToken(TimeSpan elapsed)
    {
        lock (_histogramLock)
        {
            var seconds = elapsed.TotalSeconds;
            for (var i = 0; i < TtftBuckets.Length; i++)
            {
                if (seconds <= TtftBuckets[i])
                {
                    _ttftCounts[i]++;
                }
            }

            _ttftCount++;
            _ttftSum += seconds;
        }
    }

    public StatsSnapshot Snapshot() => new(
        Interlocked.Read(ref _requests), Interlocked.Read(ref _finishedRequests), Interlocked.Read(ref _promptTokens),
        Interlocked.Read(ref _completionTokens), Interlocked.Read(ref _prefixQueryTokens), Interlocked.Read(ref _prefixHitTokens),
        Interlocked.Read(ref _queueRejections), Interlocked.Read(ref _failuresInjected), Interlocked.Read(ref _embeddingRequests),
        Interlocked.Read(ref _embeddingTokens));

    /// <summary>Cumulative bucket counts (Prometheus <c>le</c> semantics), the count and the sum in seconds.</summary>
    public (long[] Cumulative, long Count, double Sum) TtftHistogram()
    {
        lock (_histogramLock)
        {
            return ((long[])_ttftCounts.Clone(), _ttftCount, _ttftSum);
        }
    }
}

/// <summary>The totals at one moment; the body of <c>GET /admin/stats</c> (with the live gauges added there).</summary>
internal sealed record StatsSnapshot(
    long Requests,
    long FinishedRequests,
    long PromptTokens,
    long CompletionTokens,
    long PrefixCacheQueryTokens,
    long PrefixCacheHitTokens,
    long QueueRejections,
    long FailuresInjected,
    long EmbeddingRequests,
    long EmbeddingTokens);
