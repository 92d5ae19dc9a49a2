using Mesh.Contracts.Protocol.V1;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// The TCP part of a <see cref="TrafficReport"/>, read from the istio_tcp_* counters the relays already keep
/// (<see cref="IstioMetrics.Tcp"/>): nothing is added to the relay path or the HTTP path. Like
/// <see cref="TrafficAggregator"/>, it sends what grew since the previous report, one edge per (side, source,
/// destination, service, mTLS); a connection still open reports its bytes as they pass.
/// </summary>
internal sealed class TcpTrafficReader(IstioMetrics metrics)
{
    // Only the (single) reporting loop reads and writes what was last reported.
    private readonly Dictionary<IstioMetrics.SeriesKey, Counts> _reported = [];

    /// <summary>Adds an edge for every TCP edge whose counters moved since the previous call.</summary>
    public void AddTo(TrafficReport report)
    {
        var grown = new Dictionary<EdgeKey, Counts>();
        foreach (var (key, series) in metrics.TcpSnapshot())
        {
            var now = Counts.Read(series, failed: key.ResponseFlags != ResponseFlags.None);
            var before = _reported.GetValueOrDefault(key);
            if (now == before)
            {
                continue;
            }

            _reported[key] = now;
            var edge = new EdgeKey(key.Inbound, key.Source, key.DestinationNamespace, key.DestinationWorkload, key.DestinationApp, key.DestinationVersion,
                key.DestinationService, key.MutualTls);
            grown[edge] = grown.GetValueOrDefault(edge) + (now - before);
        }

        foreach (var (key, delta) in grown)
        {
            if (report.Edges.Count >= TrafficAggregator.MaxEdges)
            {
                return;
            }

            report.Edges.Add(ToWire(key, delta));
        }
    }

    private static TrafficEdge ToWire(EdgeKey key, Counts delta) => new()
    {
        Inbound = key.Inbound,
        Source = TrafficAggregator.WireWorkload(key.Source),
        Destination = new Contracts.Protocol.V1.Workload { Namespace = key.DestinationNamespace, Name = key.DestinationWorkload, App = key.DestinationApp, Version = key.DestinationVersion },
        DestinationService = key.DestinationService,
        MutualTls = key.MutualTls,
        Tcp = new TcpTraffic
        {
            ConnectionsOpened = (ulong)delta.Opened,
            ConnectionsClosed = (ulong)delta.Closed,
            ConnectionsFailed = (ulong)delta.Failed,
            SentBytes = (ulong)delta.Sent,
            ReceivedBytes = (ulong)delta.Received,
        },
    };

    private readonly record struct EdgeKey(
        bool Inbound, PeerWorkload Source, string DestinationNamespace, string DestinationWorkload, string DestinationApp, string DestinationVersion,
        string DestinationService, bool MutualTls);

    /// <summary>One series' counters at one moment; a series with a response flag counts all its connections as failed.</summary>
    private readonly record struct Counts(long Opened, long Closed, long Failed, long Sent, long Received)
    {
        public static Counts Read(IstioMetrics.TcpSeries series, bool failed)
        {
            var opened = Interlocked.Read(ref series.Opened);
            return new Counts(opened, Interlocked.Read(ref series.Closed), failed ? opened : 0, Interlocked.Read(ref series.SentBytes), Interlocked.Read(ref series.ReceivedBytes));
        }

        public static Counts operator +(Counts a, Counts b) =>
            new(a.Opened + b.Opened, a.Closed + b.Closed, a.Failed + b.Failed, a.Sent + b.Sent, a.Received + b.Received);

        public static Counts operator -(Counts a, Counts b) =>
            new(a.Opened - b.Opened, a.Closed - b.Closed, a.Failed - b.Failed, a.Sent - b.Sent, a.Received - b.Received);
    }
}
