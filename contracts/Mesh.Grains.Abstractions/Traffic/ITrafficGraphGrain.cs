namespace Mesh.Grains.Traffic;

/// <summary>
/// The cluster's live traffic (key 0: one per cluster). Every silo sends it, once a second, what its subscribers
/// reported; it keeps one bucket per second for <see cref="TrafficWindow.MaxSeconds"/> and answers a window's sum.
/// In memory only: after a failover the graph refills within seconds, which is all a live view needs.
/// </summary>
public interface ITrafficGraphGrain : IGrainWithIntegerKey
{
    /// <summary>Adds one silo's second of traffic.</summary>
    Task AddAsync(IReadOnlyList<TrafficSample> samples);

    /// <summary>The traffic of the last <paramref name="seconds"/> full seconds, one sample per edge.</summary>
    Task<IReadOnlyList<TrafficSample>> WindowAsync(int seconds);
}

/// <summary>Limits of the live traffic window.</summary>
public static class TrafficWindow
{
    public const int MaxSeconds = 300;
}

/// <summary>
/// Requests of one edge as one side saw them (<see cref="Inbound"/>: the destination's sidecar), summed over some
/// seconds. Latency counts follow <c>Mesh.Contracts.Traffic.TrafficLatency.BoundsMs</c>.
/// </summary>
[GenerateSerializer]
[Alias("mesh.traffic.sample.v1")]
public sealed record TrafficSample
{
    [Id(0)] public required TrafficEdgeKey Key { get; init; }
    [Id(1)] public long Requests { get; set; }
    [Id(2)] public long ServerErrors { get; set; }
    [Id(3)] public long ClientErrors { get; set; }
    [Id(4)] public long Denied { get; set; }
    [Id(5)] public double LatencySumMs { get; set; }
    [Id(6)] public long[] LatencyBuckets { get; set; } = [];

    /// <summary>TCP connections opened (a TCP edge's <see cref="TrafficEdgeKey.Protocol"/> is <c>tcp</c>; its request counts stay 0).</summary>
    [Id(7)] public long TcpOpened { get; set; }
    [Id(8)] public long TcpClosed { get; set; }

    /// <summary>Connections that no upstream took (a response flag such as UF, UH or NR).</summary>
    [Id(9)] public long TcpFailed { get; set; }

    /// <summary>Bytes to the downstream.</summary>
    [Id(10)] public long TcpSentBytes { get; set; }

    /// <summary>Bytes from the downstream.</summary>
    [Id(11)] public long TcpReceivedBytes { get; set; }

    /// <summary>What the edge carried, in its protocol's unit: requests, or TCP connections.</summary>
    public long Units => Requests + TcpOpened;

    /// <summary>Adds another sample of the same edge into this one.</summary>
    public void Add(TrafficSample other)
    {
        Requests += other.Requests;
        ServerErrors += other.ServerErrors;
        ClientErrors += other.ClientErrors;
        Denied += other.Denied;
        LatencySumMs += other.LatencySumMs;
        TcpOpened += other.TcpOpened;
        TcpClosed += other.TcpClosed;
        TcpFailed += other.TcpFailed;
        TcpSentBytes += other.TcpSentBytes;
        TcpReceivedBytes += other.TcpReceivedBytes;
        if (other.LatencyBuckets.Length > LatencyBuckets.Length)
        {
            var grown = new long[other.LatencyBuckets.Length];
            LatencyBuckets.CopyTo(grown, 0);
            LatencyBuckets = grown;
        }

        for (var i = 0; i < other.LatencyBuckets.Length; i++)
        {
            LatencyBuckets[i] += other.LatencyBuckets[i];
        }
    }

    /// <summary>
    /// Adds <paramref name="sample"/> to its edge's sum in <paramref name="sums"/>. An edge's first sample is copied, so
    /// a sum never shares its counters with a sample someone else still holds.
    /// </summary>
    public static void AddTo(Dictionary<TrafficEdgeKey, TrafficSample> sums, TrafficSample sample)
    {
        if (sums.TryGetValue(sample.Key, out var sum))
        {
            sum.Add(sample);
        }
        else
        {
            sums[sample.Key] = sample with { LatencyBuckets = (long[])sample.LatencyBuckets.Clone() };
        }
    }
}

/// <summary>
/// Which edge: reporter side, both workloads, the service, the route, subset and transport security, and the
/// protocol (<c>http</c> for requests, <c>tcp</c> for proxied connections: their counters do not add up).
/// </summary>
[GenerateSerializer]
[Alias("mesh.traffic.edge-key.v1")]
public sealed record TrafficEdgeKey(
    [property: Id(0)] bool Inbound,
    [property: Id(1)] TrafficWorkload Source,
    [property: Id(2)] TrafficWorkload Destination,
    [property: Id(3)] string DestinationService,
    [property: Id(4)] string Route,
    [property: Id(5)] string Subset,
    [property: Id(6)] bool MutualTls,
    [property: Id(7)] string Protocol = TrafficProtocols.Http);

/// <summary>The protocols of <see cref="TrafficEdgeKey.Protocol"/>.</summary>
public static class TrafficProtocols
{
    public const string Http = "http";
    public const string Tcp = "tcp";
}

/// <summary>A workload as telemetry names it.</summary>
[GenerateSerializer]
[Alias("mesh.traffic.workload.v1")]
public sealed record TrafficWorkload(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Name,
    [property: Id(2)] string App,
    [property: Id(3)] string Version,
    [property: Id(4)] bool Gateway);
