using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Traffic;
using Mesh.Grains.Traffic;

namespace Mesh.Silo.Traffic;

/// <summary>Checks a <see cref="TrafficReport"/> against the protocol's limits and turns its edges into samples.</summary>
internal static class TrafficReports
{
    public const int MaxEdges = 10_000;
    private const int MaxNameLength = 253;

    /// <summary>Null when the report is acceptable, else the problem naming the field.</summary>
    public static string? Check(TrafficReport report)
    {
        if (report.IntervalMillis is < 100 or > 60_000)
        {
            return $"traffic.interval_millis {report.IntervalMillis} must be 100..60000";
        }

        if (report.Edges.Count > MaxEdges)
        {
            return $"traffic.edges has {report.Edges.Count} entries; at most {MaxEdges} are allowed";
        }

        for (var i = 0; i < report.Edges.Count; i++)
        {
            var edge = report.Edges[i];
            if (edge.LatencyBuckets.Count > TrafficLatency.BucketCount)
            {
                return $"traffic.edges[{i}].latency_buckets has {edge.LatencyBuckets.Count} counts; the protocol has {TrafficLatency.BucketCount} buckets";
            }

            if (TooLong(edge) is { } field)
            {
                return $"traffic.edges[{i}].{field} is longer than {MaxNameLength} characters";
            }

            if (edge.ServerErrors + edge.ClientErrors + edge.Denied > edge.Requests)
            {
                return $"traffic.edges[{i}] counts more errors than requests";
            }

            if (edge.Tcp is { } tcp && tcp.ConnectionsFailed > tcp.ConnectionsOpened)
            {
                return $"traffic.edges[{i}].tcp counts more failed connections than opened ones";
            }
        }

        return null;
    }

    public static TrafficSample ToSample(TrafficEdge edge)
    {
        var buckets = new long[edge.LatencyBuckets.Count];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = (long)Math.Min(edge.LatencyBuckets[i], long.MaxValue);
        }

        var tcp = edge.Tcp;
        return new TrafficSample
        {
            Key = new TrafficEdgeKey(edge.Inbound, Workload(edge.Source), Workload(edge.Destination), edge.DestinationService, edge.Route, edge.Subset, edge.MutualTls,
                tcp is null ? TrafficProtocols.Http : TrafficProtocols.Tcp),
            Requests = Count(edge.Requests),
            ServerErrors = Count(edge.ServerErrors),
            ClientErrors = Count(edge.ClientErrors),
            Denied = Count(edge.Denied),
            LatencySumMs = double.IsFinite(edge.LatencySumMs) && edge.LatencySumMs >= 0 ? edge.LatencySumMs : 0,
            LatencyBuckets = buckets,
            TcpOpened = Count(tcp?.ConnectionsOpened),
            TcpClosed = Count(tcp?.ConnectionsClosed),
            TcpFailed = Count(tcp?.ConnectionsFailed),
            TcpSentBytes = Count(tcp?.SentBytes),
            TcpReceivedBytes = Count(tcp?.ReceivedBytes),
        };
    }

    private static long Count(ulong? value) => (long)Math.Min(value ?? 0, long.MaxValue);

    private static TrafficWorkload Workload(Contracts.Protocol.V1.Workload? workload) => workload is null
        ? new TrafficWorkload("unknown", "unknown", "unknown", "unknown", false)
        : new TrafficWorkload(OrUnknown(workload.Namespace), OrUnknown(workload.Name), OrUnknown(workload.App), OrUnknown(workload.Version), workload.Gateway);

    private static string OrUnknown(string value) => value.Length == 0 ? "unknown" : value;

    private static string? TooLong(TrafficEdge edge)
    {
        (string Field, string? Value)[] fields =
        [
            ("source.namespace", edge.Source?.Namespace), ("source.name", edge.Source?.Name), ("source.app", edge.Source?.App),
            ("source.version", edge.Source?.Version), ("destination.namespace", edge.Destination?.Namespace),
            ("destination.name", edge.Destination?.Name), ("destination.app", edge.Destination?.App),
            ("destination.version", edge.Destination?.Version), ("destination_service", edge.DestinationService),
            ("route", edge.Route), ("subset", edge.Subset),
        ];
        foreach (var (field, value) in fields)
        {
            if (value is { Length: > MaxNameLength })
            {
                return field;
            }
        }

        return null;
    }
}
