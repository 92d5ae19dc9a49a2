using Mesh.Contracts.Protocol.V1;
using Mesh.Grains.Traffic;

namespace Mesh.Silo.Traffic;

/// <summary>
/// This silo's share of the live traffic: reports from its subscribers are summed per edge until the forwarder
/// takes the batch (once a second) to the cluster's <see cref="ITrafficGraphGrain"/>. One small lock: reports
/// arrive once a second per subscriber, not per request.
/// </summary>
internal sealed class TrafficCollector(Observability.SiloMetrics metrics)
{
    /// <summary>A silo keeps at most this many edges between two forwards; more are dropped (mesh_silo_traffic_edges_dropped).</summary>
    internal const int MaxPendingEdges = 50_000;

    private readonly Lock _gate = new();
    private Dictionary<TrafficEdgeKey, TrafficSample> _pending = [];

    public void Add(TrafficReport report)
    {
        lock (_gate)
        {
            foreach (var edge in report.Edges)
            {
                var sample = TrafficReports.ToSample(edge);
                if (_pending.Count >= MaxPendingEdges && !_pending.ContainsKey(sample.Key))
                {
                    metrics.TrafficEdgesDropped.Add(1);
                    continue;
                }

                TrafficSample.AddTo(_pending, sample);
            }
        }
    }

    /// <summary>What arrived since the previous call.</summary>
    public List<TrafficSample> TakeBatch()
    {
        Dictionary<TrafficEdgeKey, TrafficSample> batch;
        lock (_gate)
        {
            batch = _pending;
            _pending = [];
        }

        return [.. batch.Values];
    }
}
