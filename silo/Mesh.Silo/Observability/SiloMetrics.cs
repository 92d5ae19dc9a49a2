using System.Diagnostics.Metrics;
using Mesh.Silo.Subscriptions;

namespace Mesh.Silo.Observability;

/// <summary>The silo's instruments; exposed in Prometheus text at <c>/metrics</c>.</summary>
internal sealed class SiloMetrics : IDisposable
{
    public const string MeterName = "Mesh.Silo";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _pushLatency;
    private readonly Counter<long> _pushes;
    private readonly TimeProvider _timeProvider;

    public SiloMetrics(TimeProvider timeProvider, SubscriberRegistry registry, Cache.ResourceCache cache)
    {
        _timeProvider = timeProvider;
        _pushes = _meter.CreateCounter<long>("mesh_silo_pushes", description: "Snapshot and delta frames sent to subscribers");
        _pushLatency = _meter.CreateHistogram<double>("mesh_silo_push_latency_seconds", "s",
            "Time from this silo applying a revision to sending it to a subscriber",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        ChangeNotices = _meter.CreateCounter<long>("mesh_silo_change_notices", description: "Change notices from the cluster's change stream, by outcome (received, or dropped by the DropChangeNotices fault)");
        Nacks = _meter.CreateCounter<long>("mesh_silo_nacks", description: "Configurations rejected by subscribers");
        Acks = _meter.CreateCounter<long>("mesh_silo_acks", description: "Configurations accepted by subscribers");
        TrafficEdgesDropped = _meter.CreateCounter<long>("mesh_silo_traffic_edges_dropped", description: "Traffic-report edges dropped because a second's batch already held the most edges a silo keeps");
        StoreWriteDuration = _meter.CreateHistogram<double>("mesh_silo_store_write_duration_seconds", "s", "Duration of store writes",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1] });
        StoreWriteFailures = _meter.CreateCounter<long>("mesh_silo_store_write_failures", description: "Store writes that failed (unavailable or conflict)");
        CertificatesIssued = _meter.CreateCounter<long>("mesh_silo_certificates_issued", description: "Workload certificates signed by this silo, by how the caller authenticated");
        CertificateRequestsRefused = _meter.CreateCounter<long>("mesh_silo_certificate_requests_refused", description: "Certificate requests refused (bad credential or bad CSR), by status");
        _meter.CreateObservableGauge("mesh_silo_subscribers_connected", () => registry.Count, description: "Subscribers connected to this silo");
        _meter.CreateObservableGauge("mesh_silo_revision", () => cache.Revision, description: "Newest revision in this silo's cache");
    }

    public Counter<long> Nacks { get; }

    public Counter<long> TrafficEdgesDropped { get; }

    public Counter<long> ChangeNotices { get; }

    public Counter<long> Acks { get; }

    public Histogram<double> StoreWriteDuration { get; }

    public Counter<long> StoreWriteFailures { get; }

    public Counter<long> CertificatesIssued { get; }

    public Counter<long> CertificateRequestsRefused { get; }

    public void RecordPush(bool snapshot, long? appliedAtTimestamp)
    {
        _pushes.Add(1, new KeyValuePair<string, object?>("type", snapshot ? "snapshot" : "delta"));
        if (!snapshot && appliedAtTimestamp is { } applied)
        {
            _pushLatency.Record(_timeProvider.GetElapsedTime(applied).TotalSeconds);
        }
    }

    public void Dispose() => _meter.Dispose();
}
