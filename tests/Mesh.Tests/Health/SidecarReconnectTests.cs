using System.Net.Http.Json;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>A real sidecar told by a stopping silo to reconnect moves to the next silo and keeps its configuration.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SidecarReconnectTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task SubscriptionClient_SiloSendsReconnect_ResubscribesToNextSiloResumingItsRevision()
    {
        await using var cluster = await HealthCluster.StartAsync(await postgres.CreateDatabaseAsync("reconnect"), output, silos: 2);
        await cluster.Silos[0].Admin.PutServiceAsync(TestResources.Service("reviews"));
        var revision = await cluster.Silos[0].StoreRevisionAsync();
        var directory = Directory.CreateTempSubdirectory("mesh-reconnect-");
        try
        {
            await using var sidecar = await SidecarProcess.StartAsync("moving", [.. cluster.Silos.Select(s => s.BaseAddress.ToString())], Path.Combine(directory.FullName, "state.json"), output);
            await sidecar.WaitForRevisionAsync(revision);
            // Sidecars start at a position in their silo list derived from their id: stop whichever silo it chose.
            var chosen = await Poll.UntilAsync(async () =>
            {
                var list = await cluster.Silos[0].Admin.GetFromJsonAsync<List<SubscriberStatus>>("/api/v1/subscribers", MeshJson.Options);
                return list!.FirstOrDefault(s => s.Id == "moving")?.SiloId;
            }, Deadline, () => "moving never showed as subscribed");
            var leaving = cluster.Silos.Single(s => s.SiloId == chosen);
            var staying = cluster.Silos.Single(s => s.SiloId != chosen);

            Assert.Equal(0, await leaving.Process.StopGracefullyAsync(Deadline));

            await WaitSubscribedAsync(staying, "moving", staying.SiloId);
            await sidecar.Process.WaitForOutputAsync("asked to reconnect elsewhere", Deadline);
            var resumed = await sidecar.Process.WaitForOutputAsync($"Subscribed to {staying.BaseAddress}", Deadline);
            Assert.Matches($"holding [1-9][0-9]* resources at revision {revision}$", resumed);
            Assert.Equal(revision, await sidecar.RevisionAsync());
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static Task WaitSubscribedAsync(SiloProcess via, string subscriber, string silo) =>
        Poll.UntilTrueAsync(async () =>
        {
            var list = await via.Admin.GetFromJsonAsync<List<SubscriberStatus>>("/api/v1/subscribers", MeshJson.Options);
            return list!.Any(s => s.Id == subscriber && s.SiloId == silo);
        }, Deadline, () => $"{subscriber} never showed as subscribed to {silo}");
}
