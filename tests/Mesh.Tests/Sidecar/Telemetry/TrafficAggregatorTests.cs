using Mesh.Contracts.Traffic;
using Mesh.Sidecar.Telemetry;

namespace Mesh.Tests.Sidecar.Telemetry;

public sealed class TrafficAggregatorTests
{
    private static readonly PeerWorkload Frontend = new("default", "frontend-v1", "frontend", "v1", false);

    [Fact]
    public void TakeReport_SendsWhatGrewSinceTheLastReport()
    {
        var traffic = new TrafficAggregator();
        traffic.Record(Request(200, 12));
        traffic.Record(Request(503, 55));
        traffic.Record(Request(403, 1) with { Denied = true });
        traffic.Record(Request(404, 2));

        var first = traffic.TakeReport(TimeSpan.FromSeconds(1));

        Assert.Equal(1000u, first.IntervalMillis);
        var edge = Assert.Single(first.Edges);
        Assert.Equal((4ul, 1ul, 1ul, 1ul), (edge.Requests, edge.ServerErrors, edge.ClientErrors, edge.Denied));
        Assert.Equal(("frontend-v1", "backend-v2", "backend.default.svc.cluster.local", "backend", "v2", true),
            (edge.Source.Name, edge.Destination.Name, edge.DestinationService, edge.Route, edge.Subset, edge.MutualTls));
        Assert.Equal(1ul, edge.LatencyBuckets[TrafficLatency.BucketOf(55)]);
        Assert.Equal(70, edge.LatencySumMs, 3);

        // Nothing new: the edge is left out. One more request: only it is sent.
        Assert.Empty(traffic.TakeReport(TimeSpan.FromSeconds(1)).Edges);
        traffic.Record(Request(200, 3));
        var third = Assert.Single(traffic.TakeReport(TimeSpan.FromSeconds(1)).Edges);
        Assert.Equal((1ul, 0ul), (third.Requests, third.ServerErrors));
        Assert.Equal(TrafficLatency.BucketOf(3) + 1, third.LatencyBuckets.Count);
    }

    private static RequestRecord Request(int status, double ms) => new()
    {
        Inbound = false,
        StatusCode = status,
        DurationMs = ms,
        Source = Frontend,
        DestinationNamespace = "default",
        DestinationWorkload = "backend-v2",
        DestinationApp = "backend",
        DestinationVersion = "v2",
        DestinationService = "backend.default.svc.cluster.local",
        Route = "backend",
        Subset = "v2",
        MutualTls = true,
    };
}

public sealed class TrafficReporterTests
{
    [Fact]
    public void Split_LargeReport_PartsUnderTheLimitWithEveryEdge()
    {
        var report = new Mesh.Contracts.Protocol.V1.TrafficReport { IntervalMillis = 1000 };
        for (var i = 0; i < 2000; i++)
        {
            report.Edges.Add(new Mesh.Contracts.Protocol.V1.TrafficEdge { DestinationService = $"service-{i}.default.svc.cluster.local", Route = new string('r', 60), Requests = 1 });
        }

        var parts = Mesh.Sidecar.Subscription.TrafficReporter.Split(report).ToList();

        Assert.True(parts.Count > 1);
        Assert.All(parts, p => Assert.True(p.CalculateSize() <= Mesh.Sidecar.Subscription.TrafficReporter.MaxReportBytes, $"{p.CalculateSize()} bytes"));
        Assert.Equal(2000, parts.Sum(p => p.Edges.Count));
        Assert.Single(Mesh.Sidecar.Subscription.TrafficReporter.Split(new Mesh.Contracts.Protocol.V1.TrafficReport { IntervalMillis = 1000 }));
    }
}
