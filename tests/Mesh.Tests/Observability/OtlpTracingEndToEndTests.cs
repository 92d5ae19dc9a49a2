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

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
