using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.SimLlm;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// <c>inference.mesh.dev/fallback</c> through a real sidecar: when every server of the host refuses an inference request
/// before its first byte (429, 503, nothing listening), the request goes whole to the fallback host, once: another pool
/// of the mesh, or an external provider declared as a ServiceEntry.
/// </summary>
public sealed class InferenceFallbackDestinationEndToEndTests(ITestOutputHelper output)
{
    private const string Host = "llm";
    private const string Fallback = "inference.mesh.dev/fallback";

    [Fact]
    public async Task PrimaryRateLimited_RequestIsAnsweredByTheFallbackPool_AfterTheRetriesOnThePrimary()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var primary = await SimLlmServer.StartAsync();
        await using var backup = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(primary, new { mode = "429", retryAfterSeconds = 0 });
        await mesh.AddServiceAsync("llm-backup", 8000, [backup.BaseAddress.Port]);
        var client = await StartAsync(mesh, "llm-backup", [primary.BaseAddress.Port], retries: 1);

        using var response = await ChatAsync(client, stream: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        Assert.Equal(8, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        // Attempt and one retry on the primary, then the fallback once.
        Assert.Equal(2, await primary.TotalAsync("failuresInjected"));
        Assert.Equal(1, await backup.TotalAsync("requests"));
        await Poll.UntilTrueAsync(() => Task.FromResult(client.Process.Output.Contains("\"upstream_cluster\":\"outbound|8000||llm-backup.default.svc.cluster.local\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "the access log never named the fallback cluster");
    }

    [Fact]
    public async Task PrimaryUnreachableOr503_StreamComesWholeFromTheExternalProvider_NoTokenTwice()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var down = await SimLlmServer.StartAsync();
        await using var provider = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(down, new { mode = "503" });
        await mesh.ApplyAsync(IstioResources.ServiceEntry("provider", new
        {
            hosts = new[] { "api.provider.test" },
            location = "MESH_EXTERNAL",
            resolution = "STATIC",
            ports = new[] { new { number = 80, name = "http", protocol = "HTTP", targetPort = provider.BaseAddress.Port } },
            endpoints = new[] { new { address = "127.0.0.1" } },
        }));
        var client = await StartAsync(mesh, "api.provider.test:80", [down.BaseAddress.Port, ClosedPort()], retries: 0);

        for (var i = 0; i < 4; i++)
        {
            using var response = await ChatAsync(client, stream: true);
            await InferenceCalls.AssertOneWholeStreamAsync(response);
        }

        // Round robin tried the 503 server and the closed port, and each time the provider answered.
        Assert.Equal(4, await provider.TotalAsync("requests"));
        Assert.True(await down.TotalAsync("failuresInjected") > 0, "the 503 server was never tried");
        Assert.Contains("\"upstream_cluster\":\"outbound|80||api.provider.test\"", client.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FallbackRefusesToo_ItsAnswerReachesTheClient_AndARequestTooLargeToHoldIsNotSentTwice()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var primary = await SimLlmServer.StartAsync();
        await using var backup = await SimLlmServer.StartAsync();
        await InferenceCalls.SetFailureAsync(primary, new { mode = "429", retryAfterSeconds = 0 });
        await InferenceCalls.SetFailureAsync(backup, new { mode = "503" });
        await mesh.AddServiceAsync("llm-backup", 8000, [backup.BaseAddress.Port]);
        var client = await StartAsync(mesh, "llm-backup", [primary.BaseAddress.Port], retries: 0);

        using (var response = await ChatAsync(client, stream: false))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        }

        Assert.Equal(1, await backup.TotalAsync("failuresInjected"));
        using (var large = await ChatAsync(client, stream: false, padding: 100 * 1024))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, large.StatusCode);
        }

        Assert.Equal(1, await backup.TotalAsync("failuresInjected"));
    }

    private static async Task<SidecarProcess> StartAsync(MeshTestBed mesh, string fallback, int[] primaryPorts, int retries)
    {
        await mesh.AddServiceAsync(Host, 8000, primaryPorts);
        await mesh.ApplyAsync(IstioResources.DestinationRule(Host, new { host = Host }, new Dictionary<string, string> { [Fallback] = fallback }));
        await mesh.ApplyAsync(IstioResources.VirtualService(Host, new
        {
            hosts = new[] { Host },
            http = new[] { new { route = new[] { new { destination = new { host = Host } } }, retries = new { attempts = retries, retryOn = "429,503,connect-failure" } } },
        }));
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);
        return client;
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<HttpResponseMessage> ChatAsync(SidecarProcess client, bool stream, int padding = 0) => InferenceCalls.ChatAsync(client, Host, stream, padding);
}
