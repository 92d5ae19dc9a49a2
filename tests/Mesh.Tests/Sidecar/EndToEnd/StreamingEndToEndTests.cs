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
    }
}
