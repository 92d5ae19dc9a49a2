using System.Collections.Concurrent;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// Istio's standard metrics (istio_requests_total, istio_request_duration_milliseconds, istio_request_bytes,
/// istio_response_bytes) with Istio's label names, so existing dashboards work. Series are keyed by label values,
/// not by config objects, so a config swap continues the same series.
/// </summary>
internal sealed class IstioMetrics
{
    internal static readonly double[] DurationBuckets = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];
    internal static readonly double[] ByteBuckets = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

    private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();
    private readonly ConcurrentDictionary<SeriesKey, TcpSeries> _tcp = new();

    /// <summary>Inference requests' GenAI metrics, exposed on the same /metrics page.</summary>
    public GenAiMetrics GenAi { get; } = new();

    public void Record(in RequestRecord record)
    {
        var key = new SeriesKey(record.Inbound, record.Source, record.SourcePrincipal, record.DestinationService, record.DestinationServiceName,
            record.DestinationNamespace, record.DestinationVersion, record.DestinationWorkload, record.DestinationApp, record.DestinationPrincipal,
            record.RequestProtocol, record.StatusCode, record.ResponseFlags, record.MutualTls);
        if (!_series.TryGetValue(key, out var series))
        {
            series = _series.GetOrAdd(key, static _ => new Series());
        }

        Interlocked.Increment(ref series.Requests);
        series.Duration.Record(record.DurationMs);
        series.RequestBytes.Record(record.RequestBytes);
        series.ResponseBytes.Record(record.ResponseBytes);
    }

    /// <summary>
    /// The istio_tcp_* counters of one connection's label set. A relay adds bytes as they pass, so a long-lived
    /// connection shows in the metrics before it closes, as Envoy's periodic TCP stats do.
    /// </summary>
    public TcpSeries Tcp(in SeriesKey key)
    {
        if (!_tcp.TryGetValue(key, out var series))
        {
            series = _tcp.GetOrAdd(key, static _ => new TcpSeries());
        }

        return series;
    }

    public IEnumerable<(SeriesKey Key, TcpSeries Series)> TcpSnapshot()
    {
        foreach (var (key, series) in _tcp)
        {
            yield return (key, series);
        }
    }

    public IEnumerable<(SeriesKey Key, Series Series)> Snapshot()
    {
        foreach (var (key, series) in _series)
        {
            yield return (key, series);
        }
    }

    internal readonly record struct SeriesKey(
        bool Inbound, PeerWorkload Source, string SourcePrincipal, string DestinationService, string DestinationServiceName, string DestinationNamespace,
        string DestinationVersion, string DestinationWorkload, string DestinationApp, string DestinationPrincipal, string RequestProtocol,
        int ResponseCode, string ResponseFlags, bool MutualTls);

    internal sealed class Series
    {
        public long Requests;
        public Histogram Duration { get; } = new(DurationBuckets);
        public Histogram RequestBytes { get; } = new(ByteBuckets);
        public Histogram ResponseBytes { get; } = new(ByteBuckets);
    }

    internal sealed class TcpSeries
    {
        public long Opened;
        public long Closed;

        /// <summary>Bytes sent to the downstream (the response direction), Istio's istio_tcp_sent_bytes_total.</summary>
        public long SentBytes;

        /// <summary>Bytes received from the downstream (the request direction), Istio's istio_tcp_received_bytes_total.</summary>
        public long ReceivedBytes;
    }
}
