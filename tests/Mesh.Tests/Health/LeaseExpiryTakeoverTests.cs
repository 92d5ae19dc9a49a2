using System.Net.Http.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Silo.Api;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>
/// An endpoint's lease is expired by its health partition's one activation; when that silo dies, a survivor's new
/// activation of the partition must expire it instead.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LeaseExpiryTakeoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Kill9_SiloHoldingTheEndpointsPartition_SurvivorTakesOverAndExpiresTheAbandonedLease()
    {
        await using var cluster = await HealthCluster.StartAsync(await postgres.CreateDatabaseAsync("lease_takeover"), output, silos: 3);
        await cluster.Silos[0].Admin.PutServiceAsync(TestResources.Service("ratings"));
        // Long enough that it cannot expire before the kill; nobody renews it.
        var abandoned = await cluster.Silos[0].Admin.RegisterAsync(new EndpointRegistration { Service = "ratings", Address = "127.0.0.1", Port = 9302, TtlSeconds = 4 });
        var owner = await Poll.UntilAsync(async () => (await OwnerAsync(cluster.Silos[0], abandoned.Name)).Owner, Deadline, () => "the endpoint's partition never became active");
        var victim = cluster.Silos.Single(s => s.SiloId == owner);
        var survivor = cluster.Silos.First(s => s != victim);

        victim.Kill();

        var takenOver = await Poll.UntilAsync(async () =>
        {
            var view = await OwnerAsync(survivor, abandoned.Name);
            return view.Owner is { } silo && silo != victim.SiloId ? view : null;
        }, Deadline, () => $"the partition of {abandoned.Name} never moved off {victim.SiloId}");
        await Poll.UntilTrueAsync(async () =>
        {
            using var response = await survivor.Admin.GetAsync($"/api/v1/namespaces/default/endpoints/{abandoned.Name}");
            return response.StatusCode == System.Net.HttpStatusCode.NotFound;
        }, Deadline, () => $"the abandoned endpoint {abandoned.Name} was never expired after {victim.SiloId} died");
        Assert.Contains(takenOver.Owner, cluster.Silos.Where(s => s != victim).Select(s => s.SiloId));
    }

    private static async Task<EndpointProberView> OwnerAsync(SiloProcess silo, string endpoint) =>
        (await silo.Admin.GetFromJsonAsync<EndpointProberView>($"/api/v1/namespaces/default/endpoints/{endpoint}/prober", MeshJson.Options))!;
}
