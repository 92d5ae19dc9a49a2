using Mesh.Contracts.Traffic;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Mesh.Tests.Sidecar.EndToEnd;
using Mesh.Tests.Sidecar.Security;
using Xunit.Abstractions;

namespace Mesh.Tests.Observability;

/// <summary>
/// The live service graph from real sidecar processes: their traffic reports travel over the subscription stream to
/// the silo, through the cluster's traffic grain, out of <c>GET /api/v1/traffic/graph</c>.
/// </summary>
public sealed class TrafficGraphEndToEndTests(ITestOutputHelper output)
{
    private const int Window = 120;

    [Fact]
    public async Task Graph_FrontendToBackendAndLegacy_RatesErrorsLatencyMtlsRoutesAndDenials()
    {
        await using var bed = await MeshTestBed.StartAsync(output);
        var mesh = await ObservedMesh.StartAsync(bed);

        var backend = await mesh.SendAsync("http://backend:9080/", 200);
        var denied = await mesh.SendAsync("http://backend:9080/admin", 10);
        var legacy = await mesh.SendAsync("http://legacy:9080/", 30);
        Assert.All(denied, s => Assert.Equal(403, s));
        Assert.All(legacy, s => Assert.Equal(200, s));
        // Every request the test sent is in the graph once both sides have reported it: the caller's side gives the
        // totals, the destinations' side the denials (sent after the other backend requests, so reported last).
        var v1Requests = mesh.V1.Requests;
        var v2Requests = mesh.V2.Requests;
        var graph = await mesh.WaitForGraphAsync(Window, g =>
            ObservedMesh.Total(g, "default/frontend", "default/backend-v1") + ObservedMesh.Total(g, "default/frontend", "default/backend-v2") == 210
            && ObservedMesh.Total(g, "default/frontend", "default/legacy-v1") == 30
            && ObservedMesh.Total(g, "unknown", "default/backend-v1") == 0
            && g.Edges.Where(e => e.Source == "default/frontend" && e.Target.StartsWith("default/backend-", StringComparison.Ordinal)).Sum(Denials) is > 9.5 and < 10.5,
            "the graph never counted the 240 requests the frontend sent and the 10 denials the backends reported");

        var toV2 = Edge(graph, "default/frontend", "default/backend-v2");
        var toV1 = Edge(graph, "default/frontend", "default/backend-v1");
        // v2 failed every tenth request it served (the denied ones never reached an app).
        var v2Failures = v2Requests / 10;
        Assert.Equal(backend.Count(s => s == 503), v2Failures);
        var v2Served = ObservedMesh.Total(graph, "default/frontend", "default/backend-v2") - Denials(toV2);
        Assert.Equal(v2Requests, (int)Math.Round(v2Served));
        Assert.InRange(toV2.ErrorRate * ObservedMesh.Total(graph, "default/frontend", "default/backend-v2"), v2Failures - 0.5, v2Failures + 0.5);
        Assert.Equal(0, toV1.ErrorRate);
        Assert.Equal(v1Requests, (int)Math.Round(ObservedMesh.Total(graph, "default/frontend", "default/backend-v1") - Denials(toV1)));
        // v2's 50 ms delay shows in its latency; v1 answers at once.
        Assert.InRange(toV2.P50Ms!.Value, 50, 100);
        Assert.True(toV1.P50Ms < 50, $"v1 p50 {toV1.P50Ms} ms");
        // STRICT edges are all mutual TLS, the certificate-less legacy sidecar all plaintext.
        Assert.Equal(1, toV1.MtlsShare);
        Assert.Equal(1, toV2.MtlsShare);
        Assert.Equal(0, Edge(graph, "default/frontend", "default/legacy-v1").MtlsShare);
        // The AuthorizationPolicy's denials are counted apart from errors: 10 in all, not in the 4xx rate.
        Assert.Equal(10, (int)Math.Round(Denials(toV1) + Denials(toV2)));
        Assert.Equal(0, toV1.ClientErrorRate);
        Assert.Equal(0, toV2.ClientErrorRate);
        // The route and subset that carried the traffic, as the caller's sidecar saw them.
        Assert.Equal(("split", "v2"), (toV2.Routes[0].Route, toV2.Routes[0].Subset));
        Assert.Equal(("split", "v1"), (toV1.Routes[0].Route, toV1.Routes[0].Subset));
        var v2Node = graph.Nodes.Single(n => n.Id == "default/backend-v2");
        Assert.Equal(("backend", "v2", "workload"), (v2Node.App, v2Node.Version, v2Node.Kind));

        // meshctl reads the same graph: stat per workload, top per edge, as a person sees them and as JSON.
        var meshctl = Cli.Meshctl.For(bed.Silo);
        var stat = await meshctl.RunAsync("stat", "--window", Window.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(stat.ExitCode == 0, stat.ToString());
        output.WriteLine(stat.Stdout);
        var legacyRow = stat.Stdout.Split('\n').Single(l => l.Contains(" legacy-v1 ", StringComparison.Ordinal));
        Assert.Matches(@"default\s+legacy-v1\s+workload\s+100\.00%\s+0\.25rps\s+.*\s0%\s+0\.0rps$", legacyRow.TrimEnd());
        Assert.Matches(@"default\s+backend-v2\s+workload\s+\d+\.\d\d%\s+\S+rps\s+\d+ms\s+\d+ms\s+\d+ms\s+100%", stat.Stdout);
        var top = await meshctl.RunAsync("top", "--window", Window.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "json");
        Assert.True(top.ExitCode == 0, top.ToString());
        var items = System.Text.Json.JsonDocument.Parse(top.Stdout).RootElement.GetProperty("items");
        Assert.Contains(items.EnumerateArray(), e => e.GetProperty("source").GetString() == "default/frontend"
            && e.GetProperty("target").GetString() == "default/backend-v2" && e.GetProperty("mtlsShare").GetDouble() == 1);
        var table = await meshctl.RunAsync("top", "--window", Window.ToString(System.Globalization.CultureInfo.InvariantCulture));
        output.WriteLine(table.Stdout);
        Assert.Contains("split/v2", table.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Graph_TcpThroughAGateway_ATcpEdgeWithConnectionsBytesAndMtls()
    {
        await using var bed = await MeshTestBed.StartAsync(output);
        await using var echo = LineServer.Start("v1");
        var servicePort = TestPorts.Next();
        var tcpPort = TestPorts.Next();
        await bed.Silo.Admin.PutServiceAsync(TcpRoutingEndToEndTests.TcpService("tcp-echo", servicePort));
        await bed.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await bed.ApplyAsync(IstioResources.Gateway("tcp-gateway", new
        {
            selector = new { istio = "ingressgateway" },
            servers = new[] { new { port = new { number = tcpPort, name = "tcp", protocol = "TCP" }, hosts = new[] { "*" } } },
        }));
        await bed.ApplyAsync(IstioResources.VirtualService("tcp-echo", new
        {
            hosts = new[] { "*" },
            gateways = new[] { "tcp-gateway" },
            tcp = new[] { new { match = new[] { new { port = tcpPort } }, route = new[] { new { destination = new { host = "tcp-echo", port = new { number = servicePort } } } } } },
        }));
        var echoSidecar = await bed.StartSidecarAsync("tcp-echo-v1", "tcp-echo", echo.Port, "app=tcp-echo,version=v1",
            extraArgs: ["--join-token", await bed.Silo.JoinTokenAsync("tcp-echo")]);
        var gateway = await bed.StartSidecarAsync("edge", labels: "istio=ingressgateway,app=edge,version=v1",
            extraArgs: ["--mode", "gateway", "--join-token", await bed.Silo.JoinTokenAsync("edge")]);
        await gateway.WaitForEndpointAsync(echoSidecar);
        await bed.SyncAsync(gateway, echoSidecar);
        await TcpRoutingEndToEndTests.WaitForListenerAsync(gateway, tcpPort);

        const int Connections = 20;
        for (var i = 0; i < Connections; i++)
        {
            Assert.Equal("v1 ping", await LineServer.AskAsync(tcpPort, "ping"));
        }

        // Each connection carried "ping\n" (5 bytes) to the destination and "v1 ping\n" (8 bytes) back.
        var graph = await ObservedMesh.WaitForGraphAsync(bed.Silo, Window, g => g.Edges.Any(e => e.Protocol == "tcp"
            && Math.Round(e.ConnectionsPerSecond * Window) == Connections
            && Math.Round(e.ReceivedBytesPerSecond * Window) == 5 * Connections
            && Math.Round(e.SentBytesPerSecond * Window) == 8 * Connections
            && e.MtlsShare == 1), "the graph never showed the 20 TCP connections with their bytes, over mutual TLS");

        var edge = graph.Edges.Single(e => e.Protocol == "tcp");
        Assert.Equal(("default/edge-v1", "default/tcp-echo-v1", 0.0, 0.0, "healthy"), (edge.Source, edge.Target, edge.RequestsPerSecond, edge.ErrorRate, edge.Health));
        Assert.Equal("gateway", graph.Nodes.Single(n => n.Id == "default/edge-v1").Kind);
        Assert.Equal(Connections, (int)Math.Round(graph.Nodes.Single(n => n.Id == "default/tcp-echo-v1").ConnectionsPerSecond * Window));
        // meshctl top ranks request edges: a TCP edge's numbers are not requests, so it is not listed there.
        var top = await Cli.Meshctl.For(bed.Silo).RunAsync("top", "--window", Window.ToString(System.Globalization.CultureInfo.InvariantCulture), "-o", "json");
        Assert.True(top.ExitCode == 0, top.ToString());
        Assert.Empty(System.Text.Json.JsonDocument.Parse(top.Stdout).RootElement.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Graph_BadQuery_400NamesTheParameter()
    {
        await using var silo = await SiloProcess.StartAsync(log: output);

        using var window = await silo.Admin.GetAsync("/api/v1/traffic/graph?window=0");
        Assert.Equal(400, (int)window.StatusCode);
        Assert.Contains("window", await window.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var ns = await silo.Admin.GetAsync("/api/v1/traffic/graph?namespace=Not_A_Label");
        Assert.Equal(400, (int)ns.StatusCode);
        Assert.Contains("namespace", await ns.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static TrafficEdgeView Edge(TrafficGraph graph, string source, string target) =>
        graph.Edges.SingleOrDefault(e => e.Source == source && e.Target == target)
        ?? throw new Xunit.Sdk.XunitException($"no edge {source} -> {target} in [{string.Join(", ", graph.Edges.Select(e => $"{e.Source} -> {e.Target}"))}]");

    private static double Denials(TrafficEdgeView edge) => edge.DeniedPerSecond * Window;
}
