using System.Net;
using System.Net.Http.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.SimLlm;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Fallback for inference requests through a real sidecar in front of SimLLM replicas: a 429 or 503 before the first
/// byte is retried on another server (the body is whole in the sidecar), and Retry-After cools the server down.
/// </summary>
public sealed class InferenceFallbackEndToEndTests(ITestOutputHelper output)
{
    private const string Host = "llm";

    [Fact]
    public async Task RateLimited429_IsRetriedOnTheOtherServer_WhichAnswers_AndTheLimitedServerCoolsDown()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var limited = await SimLlmServer.StartAsync();
        await using var healthy = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(limited, new { mode = "429", retryAfterSeconds = 60 });
        var client = await StartMeshAsync(mesh, "429,connect-failure", limited, healthy);

        // Round robin reaches the limited server within a few requests; every one of them still succeeds.
        await Poll.UntilTrueAsync(async () =>
        {
            using var response = await ChatAsync(client, stream: false);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await AttemptsAsync(limited) > 0;
        }, TimeSpan.FromSeconds(20), () => "round robin never reached the limited server");
        var limitedRequests = await AttemptsAsync(limited);

        for (var i = 0; i < 6; i++)
        {
            using var response = await ChatAsync(client, stream: false);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(limitedRequests, await AttemptsAsync(limited));
        await Poll.UntilTrueAsync(() => Task.FromResult(client.Process.Output.Contains("\"retries\":1", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "the access log never showed the retry");
    }

    [Fact]
    public async Task Unavailable503BeforeTheFirstToken_StreamComesWholeFromTheOtherServer_NoTokenTwice()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var down = await SimLlmServer.StartAsync();
        await using var up = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(down, new { mode = "503" });
        var client = await StartMeshAsync(mesh, "503", down, up);

        for (var i = 0; i < 4; i++)
        {
            using var response = await ChatAsync(client, stream: true);
            await InferenceCalls.AssertOneWholeStreamAsync(response);
        }

        Assert.True(await AttemptsAsync(down) > 0, "the failing server was never tried");
    }

    [Fact]
    public async Task ServerHangingBeforeTheFirstToken_PerTryTimeoutMovesTheStreamToTheOtherServer_NoTokenTwice()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var hung = await SimLlmServer.StartAsync();
        await using var up = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(hung, new { mode = "hang-before-first-token" });
        await mesh.AddServiceAsync(Host, 8000, [hung.BaseAddress.Port, up.BaseAddress.Port]);
        // The per-try timeout must be longer than a healthy server's first token on a loaded 2-core machine (a
        // 500 ms one timed all three tries out once while other end-to-end tests ran), and still short against the hang.
        await mesh.ApplyAsync(IstioResources.VirtualService(Host, new
        {
            hosts = new[] { Host },
            http = new[] { new { route = new[] { new { destination = new { host = Host } } }, retries = new { attempts = 2, perTryTimeout = "1500ms", retryOn = "gateway-error,connect-failure" } } },
        }));
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);

        for (var i = 0; i < 4; i++)
        {
            using var response = await ChatAsync(client, stream: true);
            await InferenceCalls.AssertOneWholeStreamAsync(response);
        }

        Assert.True(await AttemptsAsync(hung) > 0, "the hanging server was never tried");
        Assert.Equal(4, await up.TotalAsync("requests"));
    }

    [Fact]
    public async Task OnlyServerHangsBeforeTheFirstToken_RouteTimeoutAnswers504_NotAnEmptyStream()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var hung = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(hung, new { mode = "hang-before-first-token" });
        await mesh.AddServiceAsync(Host, 8000, [hung.BaseAddress.Port]);
        await mesh.ApplyAsync(IstioResources.VirtualService(Host, new
        {
            hosts = new[] { Host },
            http = new[] { new { route = new[] { new { destination = new { host = Host } } }, timeout = "1s", retries = new { attempts = 0 } } },
        }));
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);

        using var response = await ChatAsync(client, stream: true);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream request timeout", await response.Content.ReadAsStringAsync());
        await Poll.UntilTrueAsync(() => Task.FromResult(client.Process.Output.Contains("\"response_flags\":\"UT\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "the access log never showed the timeout");
    }

    [Fact]
    public async Task BodyLongerThanWhatTheSidecarReads_IsNotRetried_SmallBodyIs()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var only = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(only, new { mode = "429", retryAfterSeconds = 0 });
        var client = await StartMeshAsync(mesh, "429", only);

        using (var small = await ChatAsync(client, stream: false))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, small.StatusCode);
        }

        // attempts: 2 in the VirtualService, so the small body was sent three times.
        Assert.Equal(3, await AttemptsAsync(only));

        using (var large = await ChatAsync(client, stream: false, padding: 100 * 1024))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, large.StatusCode);
        }

        Assert.Equal(4, await AttemptsAsync(only));
    }

    /// <summary>Requests the server received: SimLLM counts the ones its failure switch answered apart.</summary>
    private static async Task<long> AttemptsAsync(SimLlmServer server) =>
        await server.TotalAsync("requests") + await server.TotalAsync("failuresInjected");

    private static async Task<SidecarProcess> StartMeshAsync(MeshTestBed mesh, string retryOn, params SimLlmServer[] servers)
    {
        await mesh.AddServiceAsync(Host, 8000, servers.Select(s => s.BaseAddress.Port));

        await mesh.ApplyAsync(IstioResources.VirtualService(Host, new
        {
            hosts = new[] { Host },
            http = new[] { new { route = new[] { new { destination = new { host = Host } } }, retries = new { attempts = 2, retryOn } } },
        }));
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);
        return client;
    }

    private static Task<HttpResponseMessage> ChatAsync(SidecarProcess client, bool stream, int padding = 0) => InferenceCalls.ChatAsync(client, Host, stream, padding);
}
