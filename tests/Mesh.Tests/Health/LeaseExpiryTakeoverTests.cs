using System.Net.Http.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Silo.Api;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>Endpoint lease expiry is one grain activation in the cluster; it must keep working when its silo dies.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LeaseExpiryTakeoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Kill9_SiloRunningLeaseExpiry_SurvivorTakesOverAndExpiresAbandonedLeases()
    {
        await using var cluster = await HealthCluster.StartAsync(await postgres.CreateDatabaseAsync("lease_takeover"), output, silos: 3);
        var sweeper = (await SweeperAsync(cluster.Silos[0])).Silo;
        var victim = cluster.Silos.Single(s => s.SiloId == sweeper);
        var survivor = cluster.Silos.First(s => s != victim);
        await survivor.Admin.PutServiceAsync(TestResources.Service("ratings"));
        // Long enough that it cannot expire before the kill; nobody renews it.
        var abandoned = await survivor.Admin.RegisterAsync(new EndpointRegistration { Service = "ratings", Address = "127.0.0.1", Port = 9302, TtlSeconds = 4 });

        victim.Kill();

        var takenOver = await Poll.UntilAsync(async () =>
        {
            var view = await SweeperAsync(survivor);
            return view.Silo != victim.SiloId ? view : null;
        }, Deadline, () => $"lease expiry never moved off {victim.SiloId}");
        await Poll.UntilTrueAsync(async () =>
        {
            using var response = await survivor.Admin.GetAsync($"/api/v1/namespaces/default/endpoints/{abandoned.Name}");
            return response.StatusCode == System.Net.HttpStatusCode.NotFound;
        }, Deadline, () => $"the abandoned endpoint {abandoned.Name} was never expired after {victim.SiloId} died");
        Assert.NotEqual(victim.SiloId, takenOver.Silo);
        Assert.Contains(takenOver.Silo, cluster.Silos.Where(s => s != victim).Select(s => s.SiloId));
    }

    private static async Task<LeaseExpiryView> SweeperAsync(SiloProcess silo) =>
        (await silo.Admin.GetFromJsonAsync<LeaseExpiryView>("/api/v1/lease-expiry", MeshJson.Options))!;
}
