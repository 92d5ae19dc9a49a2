using System.Net;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>Streaming through the sidecars: SSE chunk by chunk, request bodies in both directions.</summary>
public sealed class StreamingEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Sse_ThroughTwoSidecars_FirstEventArrivesBeforeUpstreamFinishes()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var llm = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.Admin.PutServiceAsync(TestResources.Service("llm", 8000));
        var server = await mesh.StartSidecarAsync("llm-v1", service: "llm", appPort: llm.Port, labels: "version=v1");
        var client = await mesh.StartSidecarAsync("chat");
        await Poll.UntilTrueAsync(async () => (await client.Admin.GetStringAsync("/config_dump")).Contains($"\"sidecarPort\":{server.InboundPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "llm endpoint never reached the client");

        using var request = new HttpRequestMessage(HttpMethod.Get, "http://llm:8000/sse");
        using var response = await client.Proxy.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        // The upstream holds the stream open until released: the first event can only arrive if nobody buffers.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        Assert.Equal("data: first", await reader.ReadLineAsync(deadline.Token));
        Assert.False(llm.SseRelease.Task.IsCompleted);
        llm.SseRelease.SetResult();
        Assert.Equal("", await reader.ReadLineAsync(deadline.Token));
        Assert.Equal("data: last", await reader.ReadLineAsync(deadline.Token));
        Assert.Null(response.Content.Headers.ContentLength);
        Assert.Equal("", await reader.ReadLineAsync(deadline.Token));
        Assert.Null(await reader.ReadLineAsync(deadline.Token));

        // A chunked answer has no Content-Length: the bytes are counted as they pass ("data: first\n\ndata: last\n\n").
        await Poll.UntilTrueAsync(async () => BytesSum(await client.MetricsAsync(), "istio_response_bytes", "source") == 25,
            TimeSpan.FromSeconds(10), () => $"istio_response_bytes_sum at the caller is {BytesSum(client.MetricsAsync().Result, "istio_response_bytes", "source")}, not 25");
    }

    [Fact]
    public async Task RequestBody_LargeUploadThroughTwoSidecars_ArrivesComplete()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var app = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.Admin.PutServiceAsync(TestResources.Service("store", 9000));
        var server = await mesh.StartSidecarAsync("store-v1", service: "store", appPort: app.Port, labels: "version=v1");
        var client = await mesh.StartSidecarAsync("uploader");
        await Poll.UntilTrueAsync(async () => (await client.Admin.GetStringAsync("/config_dump")).Contains($"\"sidecarPort\":{server.InboundPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "store endpoint never reached the client");

        // Under the test app's own 30 MB Kestrel limit; the sidecar itself sets no body limit.
        const int Size = 24 * 1024 * 1024;
        using var content = new StreamContent(new GeneratedBody("", Size, ""));
        using var response = await client.Proxy.PostAsync("http://store:9000/upload", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"v1 received {Size}", await response.Content.ReadAsStringAsync());

        // The upload is chunked (no Content-Length): both sidecars count the bytes that passed through them.
        Assert.Null(content.Headers.ContentLength);
        await Poll.UntilTrueAsync(async () => BytesSum(await client.MetricsAsync(), "istio_request_bytes", "source") == Size
                && BytesSum(await server.MetricsAsync(), "istio_request_bytes", "destination") == Size,
            TimeSpan.FromSeconds(10), () => "istio_request_bytes_sum never reached the upload's size on both sidecars");
    }

    /// <summary>The sum of one byte histogram over every series a reporter wrote.</summary>
    private static double BytesSum(string metrics, string histogram, string reporter) =>
        metrics.Split('\n')
            .Where(l => l.StartsWith(histogram + "_sum{", StringComparison.Ordinal) && l.Contains($"reporter=\"{reporter}\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture));
}
