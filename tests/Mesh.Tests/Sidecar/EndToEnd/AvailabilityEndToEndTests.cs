using System.Net;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>The data plane keeps working through control-plane loss, config changes, restarts and shutdowns.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AvailabilityEndToEndTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task SilosKilled_OneAfterAnotherUnderTraffic_ZeroFailedRequests()
    {
        var database = await postgres.CreateDatabaseAsync("sidecar_silos");
        await using var mesh = await MeshTestBed.StartAsync(output, silos: 2, postgres: database);
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("reviews", 9080, v1, v2);
        await mesh.ApplyAsync(IstioResources.Subsets("reviews"));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        await using var load = new LoadLoop(client.Proxy, "http://reviews:9080/");
        await load.WaitForMoreAsync(200);

        mesh.Silos[0].Kill();
        await load.WaitForMoreAsync(200);
        // The sidecar fails over to the second silo: a change written there reaches it.
        await mesh.Silos[1].Admin.PutResourceAsync(IstioResources.Split("reviews", 0, 100));
        await client.WaitForRevisionAsync(await mesh.Silos[1].StoreRevisionAsync(), TimeSpan.FromSeconds(30));
        load.ResetVersions();
        await load.WaitForMoreAsync(100);
        Assert.DoesNotContain("v1", load.Versions.Keys);

        mesh.Silos[1].Kill();
        await load.WaitForMoreAsync(500);
        await load.StopAsync();

        Assert.Empty(load.Failures);
        Assert.Equal(HttpStatusCode.OK, (await client.Admin.GetAsync("/ready")).StatusCode);
    }

    [Fact]
    public async Task ConfigChanges_UnderSteadyLoad_ZeroFailedRequests()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("reviews", 9080, v1, v2);
        await mesh.ApplyAsync(IstioResources.Subsets("reviews", new { outlierDetection = new { consecutive5xxErrors = 5 } }));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        await using var load = new LoadLoop(client.Proxy, "http://reviews:9080/", concurrency: 8);
        await load.WaitForMoreAsync(200);
        foreach (var (a, b) in new[] { (100, 0), (0, 100), (50, 50), (100, 0), (0, 100) })
        {
            await mesh.ApplyAsync(IstioResources.Split("reviews", a, b));
            await mesh.SyncAsync(client);
            await load.WaitForMoreAsync(150);
        }

        // Endpoint churn too: a third instance joins while traffic flows.
        var v2b = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("reviews", 9080, v2b);
        await mesh.SyncAsync(client);
        await load.WaitForMoreAsync(300);
        await load.StopAsync();

        Assert.Empty(load.Failures);
        Assert.True(v2b.Requests > 0, "the new instance received traffic");
    }

    [Fact]
    public async Task Restart_AllSilosDown_RoutesFromSavedConfiguration()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        await mesh.AddServiceAsync("reviews", 9080, v1);
        var first = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(first);
        var revision = await first.RevisionAsync();
        Assert.Equal("v1", await first.Proxy.GetStringAsync("http://reviews:9080/"));
        await first.WaitForStateFileAsync(revision);

        first.Process.Kill();
        mesh.Silo.Kill();
        var restarted = await mesh.StartSidecarAsync("productpage-restarted", stateFile: first.StateFile);

        Assert.Equal(revision, await restarted.RevisionAsync());
        Assert.Equal("v1", await restarted.Proxy.GetStringAsync("http://reviews:9080/"));
        Assert.Equal(HttpStatusCode.OK, (await restarted.Admin.GetAsync("/ready")).StatusCode);
        Assert.Contains("\"origin\":\"state-file\"", await restarted.Admin.GetStringAsync("/config_dump"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_StateFileTorn_StartsWithoutItSaysWhy_ThenTakesTheSilosConfiguration()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        await mesh.AddServiceAsync("reviews", 9080, v1);
        var first = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(first);
        await first.WaitForStateFileAsync(await first.RevisionAsync());
        first.Process.Kill();
        var saved = await File.ReadAllTextAsync(first.StateFile);
        await File.WriteAllTextAsync(first.StateFile, saved[..(saved.Length / 2)]);

        var restarted = await mesh.StartSidecarAsync("productpage-torn", stateFile: first.StateFile);

        var ignored = await restarted.Process.WaitForOutputAsync("Ignoring state file", TimeSpan.FromSeconds(20));
        Assert.Contains(first.StateFile, ignored, StringComparison.Ordinal);
        await mesh.SyncAsync(restarted);
        Assert.Equal("v1", await restarted.Proxy.GetStringAsync("http://reviews:9080/"));
    }

    [Fact]
    public async Task Restart_SiloUp_ResumesWithTheStateFilesVersionsInsteadOfDownloadingEverything()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        await mesh.AddServiceAsync("reviews", 9080, v1);
        var first = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(first);
        var revision = await first.RevisionAsync();
        await first.WaitForStateFileAsync(revision);
        first.Process.Kill();

        var restarted = await mesh.StartSidecarAsync("productpage-resumed", stateFile: first.StateFile);

        var subscribed = await restarted.Process.WaitForOutputAsync("Subscribed to", TimeSpan.FromSeconds(20));
        Assert.Matches($"holding [1-9][0-9]* resources at revision {revision}$", subscribed);
        await mesh.SyncAsync(restarted);
        Assert.Equal("v1", await restarted.Proxy.GetStringAsync("http://reviews:9080/"));
    }

    [Fact]
    public async Task GracefulShutdown_InFlightRequest_CompletesAndEndpointDeregistered()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var app = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.Admin.PutServiceAsync(TestResources.Service("reviews", 9080));
        var server = await mesh.StartSidecarAsync("reviews-v1", service: "reviews", appPort: app.Port, labels: "version=v1");
        await Poll.UntilTrueAsync(async () => (await Endpoints(mesh)).Count == 1, TimeSpan.FromSeconds(20), () => "the sidecar never registered its app");
        app.Delay = TimeSpan.FromSeconds(1);

        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{server.InboundPort}/");
        request.Headers.Host = "reviews:9080";
        var inFlight = http.SendAsync(request);
        await Poll.UntilTrueAsync(() => Task.FromResult(app.Requests == 1), TimeSpan.FromSeconds(10), () => "request never reached the app");
        var exitCode = await server.Process.StopGracefullyAsync(TimeSpan.FromSeconds(20));

        using var response = await inFlight;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, exitCode);
        Assert.Empty(await Endpoints(mesh));
        // A graceful stop is not a failure: the cancelled subscription call once stopped the host with a critical line.
        Assert.DoesNotContain("BackgroundService failed", server.Process.Output);
        Assert.DoesNotContain(" crit: ", server.Process.Output);
    }

    private static async Task<List<EndpointView>> Endpoints(MeshTestBed mesh) =>
        (await mesh.Silo.Admin.GetFromJsonAsync<List<EndpointView>>("/api/v1/namespaces/default/endpoints?service=reviews", MeshJson.Options))!;
}
