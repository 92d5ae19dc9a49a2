using Mesh.Grains.Traffic;

namespace Mesh.Silo.Traffic;

/// <summary>
/// <see cref="ITrafficGraphGrain"/>: a ring of one-second buckets, each the sum of what the silos sent during that
/// second. Orleans runs one activation per cluster, so every silo's API reads the same window.
/// </summary>
internal sealed class TrafficGraphGrain(TimeProvider time) : Grain, ITrafficGraphGrain
{
    private readonly Second[] _ring = new Second[TrafficWindow.MaxSeconds + 1];

    public Task AddAsync(IReadOnlyList<TrafficSample> samples)
    {
        var bucket = BucketFor(time.GetUtcNow().ToUnixTimeSeconds());
        foreach (var sample in samples)
        {
            TrafficSample.AddTo(bucket.Edges, sample);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<TrafficSample>> WindowAsync(int seconds)
    {
        seconds = Math.Clamp(seconds, 1, TrafficWindow.MaxSeconds);
        // Full seconds only: the current one is still filling up.
        var newest = time.GetUtcNow().ToUnixTimeSeconds() - 1;
        var sum = new Dictionary<TrafficEdgeKey, TrafficSample>();
        for (var second = newest - seconds + 1; second <= newest; second++)
        {
            if (_ring[Index(second)] is not { } bucket || bucket.UnixSecond != second)
            {
                continue;
            }

            foreach (var sample in bucket.Edges.Values)
            {
                TrafficSample.AddTo(sum, sample);
            }
        }

        return Task.FromResult<IReadOnlyList<TrafficSample>>([.. sum.Values]);
    }

    private Second BucketFor(long unixSecond)
    {
        var index = Index(unixSecond);
        if (_ring[index] is not { } bucket || bucket.UnixSecond != unixSecond)
        {
            bucket = new Second(unixSecond);
            _ring[index] = bucket;
        }

        return bucket;
    }

    private int Index(long unixSecond) => (int)(unixSecond % _ring.Length);

    private sealed record Second(long UnixSecond)
    {
        public Dictionary<TrafficEdgeKey, TrafficSample> Edges { get; } = [];
    }
}
