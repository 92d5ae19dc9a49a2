using Mesh.Contracts.Resources;
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

    [Fact]
    public void Build_CallToAMeshExternalServiceEntryHost_EndsAtAnExternalNodeNamedByTheHost()
    {
        // A DNS ServiceEntry's endpoint has no labels, so the sidecar names its workload after the host's first label.
        var endpoint = new TrafficWorkload("default", "api", "api", "unknown", false);
        var internalEndpoint = new TrafficWorkload("default", "ledger", "ledger", "unknown", false);
        var samples = new[]
        {
            Sample(false, Frontend, endpoint, "api.payments.example", requests: 30, serverErrors: 3),
            Sample(false, Frontend, new TrafficWorkload("default", "eu", "eu", "unknown", false), "eu.cdn.example", requests: 10),
            Sample(false, Frontend, internalEndpoint, "ledger.internal", requests: 10),
        };
        var external = ExternalHosts.From(
        [
            ServiceEntry("payments", new { hosts = new[] { "api.payments.example" }, location = "MESH_EXTERNAL", resolution = "DNS" }),
            ServiceEntry("cdn", new { hosts = new[] { "*.cdn.example" }, resolution = "DNS" }),
            ServiceEntry("ledger", new { hosts = new[] { "ledger.internal" }, location = "MESH_INTERNAL", resolution = "DNS" }),
        ]);

        var graph = TrafficGraphBuilder.Build(samples, 10, null, Now, external);

        var api = graph.Nodes.Single(n => n.Id == "external:api.payments.example");
        Assert.Equal(("external", "api.payments.example", "", "", "default"), (api.Kind, api.Workload, api.App, api.Version, api.Namespace));
        Assert.Equal((3.0, 0.1, "failing"), (api.RequestsPerSecond, api.ErrorRate, api.Health));
        Assert.Equal("external", graph.Nodes.Single(n => n.Id == "external:eu.cdn.example").Kind);
        Assert.Equal("workload", graph.Nodes.Single(n => n.Id == "default/ledger").Kind);
        var edge = graph.Edges.Single(e => e.Target == "external:api.payments.example");
        Assert.Equal(("default/frontend-v1", "api.payments.example", 3.0), (edge.Source, edge.DestinationService, edge.RequestsPerSecond));
    }

    [Fact]
    public void Build_TcpConnections_AnEdgeOfItsOwnWithConnectionsBytesAndTheDestinationsMtlsShare()
    {
        var echo = new TrafficWorkload("default", "tcp-echo-v1", "tcp-echo", "v1", false);
        const string Service = "tcp-echo.default.svc.cluster.local";
        // The caller saw 20 connections, 2 of which found no upstream; the destination saw 18, all mutual TLS.
        var samples = new[]
        {
            Tcp(false, Frontend, echo, Service, opened: 18, failed: 0, sent: 9000, received: 1800, mtls: true),
            Tcp(false, Frontend, echo, Service, opened: 2, failed: 2, sent: 0, received: 0, mtls: false),
            Tcp(true, Frontend, echo, Service, opened: 18, failed: 0, sent: 9000, received: 1800, mtls: true),
            Sample(false, Frontend, echo, Service, requests: 50),
        };

        var graph = TrafficGraphBuilder.Build(samples, 10, null, Now);

        Assert.Equal(["http", "tcp"], graph.Edges.Select(e => e.Protocol));
        var tcp = graph.Edges.Single(e => e.Protocol == "tcp");
        Assert.Equal(("default/frontend-v1", "default/tcp-echo-v1"), (tcp.Source, tcp.Target));
        Assert.Equal((2.0, 900.0, 180.0, 0.0), (tcp.ConnectionsPerSecond, tcp.SentBytesPerSecond, tcp.ReceivedBytesPerSecond, tcp.RequestsPerSecond));
        Assert.Equal((0.1, 1.0, "failing"), (tcp.ErrorRate, tcp.MtlsShare!.Value, tcp.Health));
        Assert.Null(tcp.P99Ms);
        Assert.Empty(tcp.Routes);
        var http = graph.Edges.Single(e => e.Protocol == "http");
        Assert.Equal((5.0, 0.0), (http.RequestsPerSecond, http.ConnectionsPerSecond));
        // The node counts both: its requests decide its health, its connections are there too.
        var node = graph.Nodes.Single(n => n.Id == "default/tcp-echo-v1");
        Assert.Equal((5.0, 2.0, "healthy"), (node.RequestsPerSecond, node.ConnectionsPerSecond, node.Health));
    }

    [Fact]
    public void Build_TcpOnlyDestination_HealthFromItsConnections()
    {
        var db = new TrafficWorkload("default", "db-v1", "db", "v1", false);
        var graph = TrafficGraphBuilder.Build([Tcp(true, Frontend, db, "db.default.svc.cluster.local", opened: 5, failed: 0, sent: 10, received: 10, mtls: false)], 5, null, Now);

        var node = graph.Nodes.Single(n => n.Id == "default/db-v1");
        Assert.Equal((1.0, "healthy", 0.0), (node.ConnectionsPerSecond, node.Health, node.MtlsShare!.Value));
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

    private static TrafficSample Tcp(bool inbound, TrafficWorkload source, TrafficWorkload destination, string service, long opened, long failed, long sent, long received, bool mtls) => new()
    {
        Key = new TrafficEdgeKey(inbound, source, destination, service, "", "", mtls, TrafficProtocols.Tcp),
        TcpOpened = opened,
        TcpClosed = opened,
        TcpFailed = failed,
        TcpSentBytes = sent,
        TcpReceivedBytes = received,
    };

    private static MeshResource ServiceEntry(string name, object spec) => new()
    {
        ApiVersion = "networking.istio.io/v1",
        Kind = ResourceKinds.ServiceEntry,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
        Spec = System.Text.Json.JsonSerializer.SerializeToElement(spec),
    };

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
