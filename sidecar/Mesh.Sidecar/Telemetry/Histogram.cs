namespace Mesh.Sidecar.Telemetry;

/// <summary>A fixed-bucket histogram updated with Interlocked operations (no locks on the request path).</summary>
internal sealed class Histogram(double[] bounds)
{
    private readonly long[] _counts = new long[bounds.Length + 1];
    private long _count;
    private double _sum;

    public double[] Bounds { get; } = bounds;

    public long Count => Volatile.Read(ref _count);

    public double Sum => Volatile.Read(ref _sum);

    public void Record(double value)
    {
        var index = Array.BinarySearch(Bounds, value);
        Interlocked.Increment(ref _counts[index < 0 ? ~index : index]);
        Interlocked.Increment(ref _count);
        double current, updated;
        do
        {
            current = Volatile.Read(ref _sum);
            updated = current + value;
        }
        while (Interlocked.CompareExchange(ref _sum, updated, current) != current);
    }

    /// <summary>Cumulative count of values ≤ Bounds[i] (Prometheus "le" semantics).</summary>
    public long CumulativeCount(int boundIndex)
    {
        long total = 0;
        for (var i = 0; i <= boundIndex; i++)
        {
            total += Volatile.Read(ref _counts[i]);
        }

        return total;
    }
}
