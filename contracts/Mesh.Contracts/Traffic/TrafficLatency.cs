namespace Mesh.Contracts.Traffic;

/// <summary>
/// The latency buckets of <c>TrafficEdge.latency_buckets</c>: fixed by the protocol so that sidecars and silos add
/// histograms bucket by bucket. Fine around the tens of milliseconds where service calls live, so a p99 read from
/// them is close to the true one.
/// </summary>
public static class TrafficLatency
{
    public static IReadOnlyList<double> BoundsMs { get; } =
        [1, 2, 3, 5, 7.5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 100, 125, 150, 200, 250, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000, 30000, 60000];

    /// <summary>Number of counts in a full histogram: one per bound plus the overflow.</summary>
    public static int BucketCount => BoundsMs.Count + 1;

    /// <summary>Index of the bucket a duration falls into.</summary>
    public static int BucketOf(double milliseconds)
    {
        var bounds = BoundsMs;
        var low = 0;
        var high = bounds.Count;
        while (low < high)
        {
            var middle = (low + high) / 2;
            if (milliseconds <= bounds[middle])
            {
                high = middle;
            }
            else
            {
                low = middle + 1;
            }
        }

        return low;
    }

    /// <summary>
    /// The q-quantile (0..1) of a histogram by linear interpolation inside the bucket that holds it, as Prometheus'
    /// histogram_quantile does; the overflow bucket answers its lower bound. Null for an empty histogram.
    /// </summary>
    public static double? Quantile(IReadOnlyList<long> counts, double q)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = q * total;
        double cumulative = 0;
        for (var i = 0; i < counts.Count; i++)
        {
            var previous = cumulative;
            cumulative += counts[i];
            if (cumulative >= rank && counts[i] > 0)
            {
                var lower = i == 0 ? 0 : BoundsMs[i - 1];
                if (i >= BoundsMs.Count)
                {
                    return lower;
                }

                var upper = BoundsMs[i];
                return lower + ((upper - lower) * (rank - previous) / counts[i]);
            }
        }

        return BoundsMs[^1];
    }
}
