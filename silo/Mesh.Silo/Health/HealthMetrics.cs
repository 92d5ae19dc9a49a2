using System.Diagnostics.Metrics;
using Mesh.Silo.Observability;

namespace Mesh.Silo.Health;

/// <summary>Health-checking instruments, on the silo's meter so <c>/metrics</c> exports them with the rest.</summary>
internal sealed class HealthMetrics : IDisposable
{
    private readonly Meter _meter = new(SiloMetrics.MeterName);
    private readonly Counter<long> _probes;
    private readonly Counter<long> _writes;
    private int _endpointsProbed;

    public HealthMetrics(ShardOwnership ownership)
    {
        _probes = _meter.CreateCounter<long>("mesh_silo_health_probes", description: "Health probes run by this silo, by result");
        _writes = _meter.CreateCounter<long>("mesh_silo_health_writes", description: "Endpoint health changes this silo tried to write, by outcome");
        _meter.CreateObservableGauge("mesh_silo_health_shards_held", () => ownership.Count, description: "Health partitions active on this silo");
        _meter.CreateObservableGauge("mesh_silo_health_endpoints_probed", () => Volatile.Read(ref _endpointsProbed), description: "Endpoints this silo probes");
    }

    public void RecordProbe(bool healthy) => _probes.Add(1, new KeyValuePair<string, object?>("result", healthy ? "healthy" : "unhealthy"));

    /// <summary>Outcome: <c>written</c>, <c>lease_lost</c>, <c>retry</c> or <c>failed</c>.</summary>
    public void RecordWrites(int count, string outcome) => _writes.Add(count, new KeyValuePair<string, object?>("outcome", outcome));

    public void SetEndpointsProbed(int count) => Volatile.Write(ref _endpointsProbed, count);

    public void Dispose() => _meter.Dispose();
}
