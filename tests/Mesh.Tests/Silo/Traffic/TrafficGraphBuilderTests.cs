using Mesh.Contracts.Traffic;
using Mesh.Grains.Traffic;
using Mesh.Silo.Traffic;

namespace Mesh.Tests.Silo.Traffic;

public sealed class TrafficGraphBuilderTests
{
    private static readonly TrafficWorkload Frontend = new("default", "frontend-v1", "frontend", "v1", false);
    private static readonly TrafficWorkload BackendV2 = new("default", "backend-v2", "backend", "v2", false);
    private static readonly TrafficWorkload Gateway = new("istio-system", "ingress", "ingress", "unknown", true);
    private static readonly TrafficWorkload Unknown = new("unknown", "unknown", "unknown", "unknown", false);
    private const string Backend = "backend.default.svc.cluster.local";
    private static readonly DateTimeOffset Now = DateTimeOffset.UnixEpoch;

    [Fact]
    public void Build_BothSidesReport_RatesFromTheCallerSecurityAndDenialsFromTheDestination()
    {
        // 100 requests in 10 s seen by the caller: 10 5xx, 5 403s (the destination says they were denials), all at 50 ms.
        var caller = Sample(false, Frontend, BackendV2, Backend, requests: 100, serverErrors: 10, clientErrors: 5, mtls: true, route: "backend", subset: "v2", latencyMs: 50);
        var destination = Sample(true, Frontend, BackendV2, Backend, requests: 100, serverErrors: 10, clientErrors: 0, denied: 5, mtls: true, latencyMs: 45);

        var graph = TrafficGraphBuilder.Build([caller, destination], 10, null, Now);

        var edge = Assert.Single(graph.Edges);
        Assert.Equal("default/frontend-v1", edge.Source);
        Assert.Equal("default/backend-v2", edge.Target);
        Assert.Equal(10, edge.RequestsPerSecond);
        Assert.Equal(0.1, edge.ErrorRate);
        Assert.Equal(0, edge.ClientErrorRate);
        Assert.Equal(0.5, edge.DeniedPerSecond);
        Assert.Equal(1, edge.MtlsShare);
        Assert.Equal("failing", edge.Health);
        Assert.InRange(edge.P50Ms!.Value, 40, 50);
        var route = Assert.Single(edge.Routes);
        Assert.Equal(("backend", "v2", 10.0), (route.Route, route.Subset, route.RequestsPerSecond));
        Assert.Equal(["default/backend-v2", "default/frontend-v1"], graph.Nodes.Select(n => n.Id));
        var target = graph.Nodes.Single(n => n.Id == "default/backend-v2");
        Assert.Equal((10.0, 0.1, "failing", "backend", "v2"), (target.RequestsPerSecond, target.ErrorRate, target.Health, target.App, target.Version));
        Assert.Equal("idle", graph.Nodes.Single(n => n.Id == "default/frontend-v1").Health);
    }

    [Fact]
    public void Build_PlaintextCallerOutsideTheMesh_UnknownSourceAndNoMtls()
    {
        var destination = Sample(true, Unknown, BackendV2, Backend, requests: 20, mtls: false, latencyMs: 3);

        var graph = TrafficGraphBuilder.Build([destination], 10, null, Now);

        var edge = Assert.Single(graph.Edges);
        Assert.Equal(("unknown", 2.0, 0.0, "healthy"), (edge.Source, edge.RequestsPerSecond, edge.MtlsShare!.Value, edge.Health));
        Assert.Equal("unknown", graph.Nodes.Single(n => n.Id == "unknown").Kind);
    }

    [Fact]
    public void Build_FailedBeforeAnEndpoint_TargetIsTheServiceAndTheGatewayIsAGateway()
    {
        var caller = Sample(false, Gateway, Unknown, Backend, requests: 10, serverErrors: 10, mtls: false, latencyMs: 1);

        var graph = TrafficGraphBuilder.Build([caller], 5, null, Now);

        var edge = Assert.Single(graph.Edges);
        Assert.Equal($"service:{Backend}", edge.Target);
        Assert.Equal("failing", edge.Health);
        Assert.Equal("gateway", graph.Nodes.Single(n => n.Id == "istio-system/ingress").Kind);
        Assert.Equal("service", graph.Nodes.Single(n => n.Id == edge.Target).Kind);
    }

    [Fact]
    public void Build_NamespaceFilter_KeepsEdgesTouchingTheNamespace()
    {
        var other = new TrafficWorkload("shop", "cart-v1", "cart", "v1", false);
        var samples = new[]
        {
            Sample(false, Frontend, BackendV2, Backend, requests: 10),
            Sample(false, other, new TrafficWorkload("shop", "db-v1", "db", "v1", false), "db.shop.svc.cluster.local", requests: 10),
        };

        var graph = TrafficGraphBuilder.Build(samples, 10, "shop", Now);

        Assert.Equal("shop/cart-v1", Assert.Single(graph.Edges).Source);
        Assert.All(graph.Nodes, n => Assert.Equal("shop", n.Namespace));
    }

    [Theory]
    [InlineData(0, 0.0, 0.0, "idle")]
    [InlineData(10, 0.0999, 0.0, "healthy")]
    [InlineData(10, 0.10, 0.0, "failing")]
    [InlineData(10, 0.0, 0.10, "degraded")]
    [InlineData(10, 0.0, 0.20, "failing")]
    public void Health_KialiThresholds(long requests, double errorRate, double clientErrorRate, string expected)
    {
        Assert.Equal(expected, TrafficGraphBuilder.Health(requests, errorRate, clientErrorRate));
    }

    [Fact]
    public void Quantile_InterpolatesInsideTheBucket()
    {
        var counts = new long[TrafficLatency.BucketCount];
        counts[TrafficLatency.BucketOf(42)] = 100; // all in (40, 50]
        Assert.Equal(45, TrafficLatency.Quantile(counts, 0.5));
        Assert.Equal(49.9, TrafficLatency.Quantile(counts, 0.99)!.Value, 3);
        Assert.Null(TrafficLatency.Quantile(new long[3], 0.5));
    }

    private static TrafficSample Sample(bool inbound, TrafficWorkload source, TrafficWorkload destination, string service, long requests,
        long serverErrors = 0, long clientErrors = 0, long denied = 0, bool mtls = false, string route = "", string subset = "", double latencyMs = 10)
    {
        var buckets = new long[TrafficLatency.BucketCount];
        buckets[TrafficLatency.BucketOf(latencyMs)] = requests;
        return new TrafficSample
        {
            Key = new TrafficEdgeKey(inbound, source, destination, service, route, subset, mtls),
            Requests = requests,
            ServerErrors = serverErrors,
            ClientErrors = clientErrors,
            Denied = denied,
            LatencySumMs = latencyMs * requests,
            LatencyBuckets = buckets,
        };
    }
}
