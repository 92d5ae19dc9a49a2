using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit.Abstractions;

namespace Mesh.Tests.ClusterFailures;

/// <summary>
/// PostgreSQL stopped for 30 s (the figure) under two silos and live traffic. Uses its own database server
/// because it stops it.
/// </summary>
public sealed class PostgresOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task PostgresStopped30s_DataPlaneUnaffected_Writes503_SilosRecover_NoAcknowledgedWriteLost()
    {
        await using var server = await PostgresServer.LaunchAsync(allowExternal: false);
        var database = await server.CreateDatabaseAsync("outage30");
        await using var mesh = await MeshTestBed.StartAsync(output, silos: 2, postgres: database);
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("reviews", 9080, v1, v2);
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        var acknowledged = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var name = $"before-{i}";
            await mesh.Silos[i % 2].Admin.PutServiceAsync(TestResources.Service(name));
            acknowledged.Add(name);
        }

        await using var load = new LoadLoop(client.Proxy, "http://reviews:9080/");
        await load.WaitForMoreAsync(100);

        await server.StopAsync();
        var outage = Stopwatch.StartNew();
        var refused = new List<string>();
        // Keep traffic and admin writes going for the whole outage; every write must be refused clearly.
        while (outage.Elapsed < Outage)
        {
            var name = $"during-{refused.Count}";
            using var response = await mesh.Silos[refused.Count % 2].Admin.PutAsJsonAsync($"/api/v1/namespaces/default/services/{name}", TestResources.Service(name), MeshJson.Options);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"write during the outage: {(int)response.StatusCode} {body}");
            Assert.Contains("database unreachable", body, StringComparison.Ordinal);
            refused.Add(name);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        var requestsDuringOutage = load.Succeeded;
        await server.StartAsync();
        foreach (var silo in mesh.Silos)
        {
            await silo.WaitReadyAsync(Deadline);
        }

        for (var i = 0; i < 2; i++)
        {
            var name = $"after-{i}";
            await Poll.UntilAsync(async () =>
            {
                using var response = await mesh.Silos[i].Admin.PutAsJsonAsync($"/api/v1/namespaces/default/services/{name}", TestResources.Service(name), MeshJson.Options);
                return response.IsSuccessStatusCode ? name : null;
            }, Deadline, () => $"writes through silo {i} never recovered");
            acknowledged.Add(name);
        }

        await client.WaitForRevisionAsync(await mesh.Silo.StoreRevisionAsync(), Deadline);
        await load.WaitForMoreAsync(100);
        await load.StopAsync();

        Assert.Empty(load.Failures);
        Assert.True(requestsDuringOutage > 100, $"traffic flowed during the outage ({requestsDuringOutage} requests by its end)");
        Assert.True(refused.Count > 10, $"writes were attempted throughout the outage ({refused.Count})");
        foreach (var silo in mesh.Silos)
        {
            var services = await ServiceNamesAsync(silo);
            Assert.All(acknowledged, name => Assert.Contains(name, services));
            Assert.All(refused, name => Assert.DoesNotContain(name, services));
        }
    }

    private static async Task<HashSet<string>> ServiceNamesAsync(SiloProcess silo)
    {
        var list = await silo.Admin.GetFromJsonAsync<List<Mesh.Contracts.Resources.MeshResource>>("/api/v1/namespaces/default/services", MeshJson.Options);
        return list!.Select(s => s.Metadata.Name).ToHashSet();
    }
}
