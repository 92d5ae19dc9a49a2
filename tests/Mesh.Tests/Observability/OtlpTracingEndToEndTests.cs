using System.Collections.Concurrent;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Mesh.Tests.Observability;

/// <summary>
/// A sidecar started with <c>--otlp-endpoint</c> exports its spans over OTLP/HTTP (protobuf) to a collector: here a
/// Kestrel app on loopback standing in for one, keeping what it receives.
/// </summary>
public sealed class OtlpTracingEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sidecar_WithOtlpEndpoint_ExportsTheRequestsSpanInTheCallersTrace()
    {
        var received = new ConcurrentQueue<(string Path, string ContentType, byte[] Body)>();
        var (collector, port) = await LoopbackApp.StartAsync(app => app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            received.Enqueue((context.Request.Path.Value ?? "", context.Request.ContentType ?? "", body.ToArray()));
            context.Response.StatusCode = StatusCodes.Status200OK;
        }));
        await using var _ = collector;
        await using var mesh = await MeshTestBed.StartAsync(output);
        var app = await mesh.StartUpstreamAsync("v1");
        await mesh.AddServiceAsync("reviews", 9080, app);
        var sidecar = await mesh.StartSidecarAsync("productpage", "productpage", labels: "app=productpage,version=v1",
            extraArgs: ["--otlp-endpoint", $"http://127.0.0.1:{port}"]);
        await mesh.SyncAsync(sidecar);

        const string TraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://reviews:9080/");
        request.Headers.Add("traceparent", $"00-{TraceId}-00f067aa0ba902b7-01");
        using var response = await sidecar.Proxy.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);

        // OTLP carries the trace id as 16 raw bytes, strings as UTF-8: the span of this request is in an export.
        var traceId = Convert.FromHexString(TraceId);
        await Poll.UntilTrueAsync(() => Task.FromResult(received.Any(r => Contains(r.Body, traceId))), TimeSpan.FromSeconds(30),
            () => $"no OTLP export carried trace {TraceId} ({received.Count} exports received)");
        var export = received.First(r => Contains(r.Body, traceId));
        Assert.Equal("/v1/traces", export.Path);
        Assert.Equal("application/x-protobuf", export.ContentType);
        Assert.True(Contains(export.Body, "outbound"u8.ToArray()), "the span is not named 'outbound'");
        Assert.True(Contains(export.Body, "productpage"u8.ToArray()), "the resource does not name the service");
    }

    [Fact]
    public async Task Silo_WithOtlpEndpoint_ExportsApiSpansAndItsMetrics()
    {
        var received = new ConcurrentQueue<(string Path, byte[] Body)>();
        var (collector, port) = await LoopbackApp.StartAsync(app => app.Run(async context =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
            received.Enqueue((context.Request.Path.Value ?? "", body.ToArray()));
        }));
        await using var _ = collector;
        await using var silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
        {
            ["Mesh__OtlpEndpoint"] = $"http://127.0.0.1:{port}",
            // The SDK's periodic metric export (60 s by default) is the standard variable's to shorten.
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        });

        const string TraceId = "0af7651916cd43dd8448eb211c80319c";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/services");
        request.Headers.Add("traceparent", $"00-{TraceId}-b7ad6b7169203331-01");
        using var response = await silo.Admin.SendAsync(request);
        response.EnsureSuccessStatusCode();

        var traceId = Convert.FromHexString(TraceId);
        await Poll.UntilTrueAsync(() => Task.FromResult(received.Any(r => r.Path == "/v1/traces" && Contains(r.Body, traceId))), TimeSpan.FromSeconds(30),
            () => $"no span of trace {TraceId} was exported ({string.Join(", ", received.Select(r => r.Path))})");
        Assert.True(Contains(received.First(r => r.Path == "/v1/traces" && Contains(r.Body, traceId)).Body, "/api/v1/services"u8.ToArray()));
        await Poll.UntilTrueAsync(() => Task.FromResult(received.Any(r => r.Path == "/v1/metrics" && Contains(r.Body, "mesh_silo"u8.ToArray()))), TimeSpan.FromSeconds(30),
            () => "the silo's metrics were never exported");
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
