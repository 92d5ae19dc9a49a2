using System.Net;
using System.Net.WebSockets;
using System.Text;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>Outbound routing through real sidecar processes subscribed to a real silo.</summary>
public sealed class RoutingEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RoundRobin_TwoVersionsThroughTwoSidecars_EvenSplitWithinFivePercent()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("reviews", 9080, v2);
        // v1 sits behind its own sidecar, which registers it (labels, sidecar port) by itself.
        var serverSidecar = await mesh.StartSidecarAsync("reviews-v1", service: "reviews", appPort: v1.Port, labels: "version=v1,app=reviews");
        var client = await mesh.StartSidecarAsync("productpage");
        await Poll.UntilTrueAsync(async () => (await client.Admin.GetStringAsync("/config_dump")).Contains($"\"sidecarPort\":{serverSidecar.InboundPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "the server sidecar's registration never reached the client sidecar");

        var versions = new Dictionary<string, int>();
        for (var i = 0; i < 200; i++)
        {
            var body = await client.Proxy.GetStringAsync("http://reviews:9080/reviews/1");
            versions[body] = versions.GetValueOrDefault(body) + 1;
        }

        Assert.InRange(versions.GetValueOrDefault("v1"), 90, 110);
        Assert.InRange(versions.GetValueOrDefault("v2"), 90, 110);
        Assert.True(v1.Requests >= 90, "v1 was reached through its inbound sidecar");
        await serverSidecar.WaitForMetricAsync("reporter=\"destination\"");
    }

    [Fact]
    public async Task WeightedSplit_90To10_V2ShareWithinFourPoints()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("reviews", 9080, v1, v2);
        await mesh.ApplyAsync(IstioResources.Subsets("reviews"));
        await mesh.ApplyAsync(IstioResources.Split("reviews", 90, 10));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        var v2Count = 0;
        const int Requests = 1000;
        for (var i = 0; i < Requests; i++)
        {
            if (await client.Proxy.GetStringAsync("http://reviews:9080/") == "v2")
            {
                v2Count++;
            }
        }

        // Binomial(1000, 0.1) has a standard deviation of 9.5 requests; four points is more than four of them.
        Assert.InRange(v2Count, 60, 140);
    }

    [Fact]
    public async Task HostHeader_AddressingWithoutProxy_RoutesPreservesHostAndContinuesTrace()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        await mesh.AddServiceAsync("reviews", 9080, v1);
        var client = await mesh.StartSidecarAsync("productpage", service: "productpage", labels: "version=v1");
        await mesh.SyncAsync(client);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{client.OutboundPort}/reviews/1");
        request.Headers.Host = "reviews:9080";
        request.Headers.TryAddWithoutValidation("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("reviews:9080", Header(response, "x-seen-host"));
        var traceparent = Header(response, "x-seen-traceparent");
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", traceparent, StringComparison.Ordinal);
        Assert.DoesNotContain("b7ad6b7169203331", traceparent, StringComparison.Ordinal);   // a new span of the sidecar
        await client.Process.WaitForOutputAsync("\"trace_id\":\"0af7651916cd43dd8448eb211c80319c\"", TimeSpan.FromSeconds(10));

        var metrics = await client.MetricsAsync();
        Assert.Contains("istio_requests_total{reporter=\"source\",source_workload=\"productpage-v1\",source_workload_namespace=\"default\",destination_service=\"reviews.default.svc.cluster.local\",destination_service_name=\"reviews\"", metrics, StringComparison.Ordinal);
        Assert.Contains("destination_version=\"v1\"", metrics, StringComparison.Ordinal);
        Assert.Contains("response_code=\"200\",response_flags=\"-\"", metrics, StringComparison.Ordinal);
        Assert.Contains("istio_request_duration_milliseconds_bucket{", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownHost_NoRoute_404WithNrFlag()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var client = await mesh.StartSidecarAsync("productpage");

        using var response = await client.Proxy.GetAsync("http://nothing-here:9080/");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        await client.WaitForMetricAsync("response_flags=\"NR\"");
    }

    [Fact]
    public async Task WebSocket_ThroughOutboundAndInboundSidecars_EchoesMessages()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.Admin.PutServiceAsync(TestResources.Service("echo", 9080));
        var server = await mesh.StartSidecarAsync("echo-v1", service: "echo", appPort: v1.Port, labels: "version=v1");
        var client = await mesh.StartSidecarAsync("caller");
        await Poll.UntilTrueAsync(async () => (await client.Admin.GetStringAsync("/config_dump")).Contains($"\"sidecarPort\":{server.InboundPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "echo endpoint never reached the client");

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Host", "echo:9080");
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{client.OutboundPort}/ws"), CancellationToken.None);
        await socket.SendAsync(Encoding.UTF8.GetBytes("hello mesh"), WebSocketMessageType.Text, true, CancellationToken.None);
        var buffer = new byte[100];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);

        Assert.Equal("hello mesh", Encoding.UTF8.GetString(buffer, 0, result.Count));
        await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
    }

    [Fact]
    public async Task H2c_ClientAndUpstreamHttp2_ForwardedAsHttp2()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1", Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        await mesh.AddServiceAsync("reviews", 9080, v1);
        var client = await mesh.StartSidecarAsync("productpage", extraArgs: ["--upstream-http", "2"]);
        await mesh.SyncAsync(client);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{client.OutboundPort}/")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = "reviews";
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("HTTP/2", Header(response, "x-seen-protocol"));
    }

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(',', values) : "";
}
