using System.Collections.Concurrent;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Traffic;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// Per-edge request counters for the live service graph (<see cref="TrafficReport"/>). Counters only grow, like
/// Prometheus counters; <see cref="TakeReport"/> sends what grew since the previous report, so a request recorded
/// while a report is being built is simply in the next one, and nothing on the request path waits for a report.
/// </summary>
internal sealed class TrafficAggregator
{
    /// <summary>Edges are capped so a caller that sprays random hosts cannot grow the sidecar without bound.</summary>
    internal const int MaxEdges = 10_000;

    private readonly ConcurrentDictionary<EdgeKey, EdgeCounters> _edges = new();

    // Only the (single) reporting loop touches what was last reported.
    private readonly Dictionary<EdgeKey, long[]> _reported = [];

    public void Record(in RequestRecord record)
    {
        var key = new EdgeKey(record.Inbound, record.Source, record.DestinationNamespace, record.DestinationWorkload, record.DestinationApp,
            record.DestinationVersion, record.DestinationService, record.Route ?? "", record.Subset ?? "", record.MutualTls);
        if (!_edges.TryGetValue(key, out var counters))
        {
            if (_edges.Count >= MaxEdges)
            {
                return;
            }

            counters = _edges.GetOrAdd(key, static _ => new EdgeCounters());
        }

        counters.Add(record.StatusCode, record.Denied, record.DurationMs);
    }

    /// <summary>What grew since the previous call, as one report; edges that did not grow are left out.</summary>
    public TrafficReport TakeReport(TimeSpan interval)
    {
        var report = new TrafficReport { IntervalMillis = (uint)Math.Clamp(interval.TotalMilliseconds, 100, 60_000) };
        foreach (var (key, counters) in _edges)
        {
            var now = counters.Read();
            _reported.TryGetValue(key, out var before);
            if (before is not null && now[EdgeCounters.Requests] == before[EdgeCounters.Requests])
            {
                continue;
            }

            _reported[key] = now;
            report.Edges.Add(ToWire(key, now, before));
        }

        return report;
    }

    private static TrafficEdge ToWire(EdgeKey key, long[] now, long[]? before)
    {
        long Delta(int index) => now[index] - (before?[index] ?? 0);
        var edge = new TrafficEdge
        {
            Inbound = key.Inbound,
            Source = WireWorkload(key.Source),
            Destination = new Contracts.Protocol.V1.Workload { Namespace = key.DestinationNamespace, Name = key.DestinationWorkload, App = key.DestinationApp, Version = key.DestinationVersion },
            DestinationService = key.DestinationService,
            Route = key.Route,
            Subset = key.Subset,
            MutualTls = key.MutualTls,
            Requests = (ulong)Delta(EdgeCounters.Requests),
            ServerErrors = (ulong)Delta(EdgeCounters.ServerErrors),
            ClientErrors = (ulong)Delta(EdgeCounters.ClientErrors),
            Denied = (ulong)Delta(EdgeCounters.Denied),
            LatencySumMs = Delta(EdgeCounters.LatencySumMicros) / 1000.0,
        };

        // Trailing empty buckets are left out: shorter lists mean zeros.
        var last = now.Length - 1;
        while (last >= EdgeCounters.FirstBucket && Delta(last) == 0)
        {
            last--;
        }

        for (var i = EdgeCounters.FirstBucket; i <= last; i++)
        {
            edge.LatencyBuckets.Add((ulong)Delta(i));
        }

        return edge;
    }

    /// <summary>A workload as the traffic report names it.</summary>
    internal static Contracts.Protocol.V1.Workload WireWorkload(PeerWorkload workload) =>
        new() { Namespace = workload.Namespace, Name = workload.Name, App = workload.App, Version = workload.Version, Gateway = workload.Gateway };

    private readonly record struct EdgeKey(
        bool Inbound, PeerWorkload Source, string DestinationNamespace, string DestinationWorkload, string DestinationApp, string DestinationVersion,
        string DestinationService, string Route, string Subset, bool MutualTls);

    /// <summary>Counters of one edge in one array: requests, 5xx, 4xx, denials, latency sum (µs), then the latency buckets.</summary>
    private sealed class EdgeCounters
    {
        public const int Requests = 0;
        public const int ServerErrors = 1;
        public const int ClientErrors = 2;
        public const int Denied = 3;
        public const int LatencySumMicros = 4;
        public const int FirstBucket = 5;

        private readonly long[] _values = new long[FirstBucket + TrafficLatency.BucketCount];

        public void Add(int status, bool denied, double milliseconds)
        {
            if (denied)
            {
                Interlocked.Increment(ref _values[Denied]);
            }
            else if (status >= 500)
            {
                Interlocked.Increment(ref _values[ServerErrors]);
            }
            else if (status >= 400)
            {
                Interlocked.Increment(ref _values[ClientErrors]);
            }

            Interlocked.Increment(ref _values[FirstBucket + TrafficLatency.BucketOf(milliseconds)]);
            Interlocked.Add(ref _values[LatencySumMicros], (long)(milliseconds * 1000));
            // Requests last: a reader that sees the request also sees what it counted in the other fields.
            Interlocked.Increment(ref _values[Requests]);
        }

        public long[] Read()
        {
            var copy = new long[_values.Length];
            copy[Requests] = Volatile.Read(ref _values[Requests]);
            for (var i = 1; i < copy.Length; i++)
            {
                copy[i] = Volatile.Read(ref _values[i]);
            }

            return copy;
        }
    }
}
