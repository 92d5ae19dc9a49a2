using Mesh.Contracts.Cluster;
using System.Net.Http.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Storage.Abstractions;
using Mesh.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>Several real silo processes sharing one real PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SiloClusterTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly List<SiloProcess> _silos = [];
    private string _database = "";

    public async Task InitializeAsync()
    {
        _database = await postgres.CreateDatabaseAsync("cluster");
        // Start one first so the others find the schema being migrated or done; then two at once to race migrations.
        _silos.Add(await SiloProcess.StartAsync(_database, "silo-a", output));
        var others = await Task.WhenAll(SiloProcess.StartAsync(_database, "silo-b", output), SiloProcess.StartAsync(_database, "silo-c", output));
        _silos.AddRange(others);
    }

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }

    private static NodeInfo Node(string id) => new() { Id = id, Namespace = "default" };

    [Fact]
    public async Task Resume_OnAnotherSilo_SendsOnlyTheChangedResources()
    {
        for (var i = 0; i < 20; i++)
        {
            await _silos[0].Admin.PutServiceAsync(TestResources.Service($"svc-{i}"));
        }

        IReadOnlyDictionary<Mesh.Contracts.Resources.ResourceKey, long> held;
        long fullBytes;
        await using (var onB = await TestSubscriber.ConnectAsync(_silos[1].BaseAddress, Node("mover")))
        {
            await onB.WaitForAsync(s => s.Has(TestResources.ServiceKey("svc-19")), Deadline, "all 20 services on silo-b");
            held = onB.HeldVersions;
            fullBytes = onB.BytesReceived;
        }

        await _silos[0].Admin.PutServiceAsync(TestResources.Service("svc-3", port: 9090));
        (await _silos[0].Admin.DeleteAsync("/api/v1/namespaces/default/services/svc-4")).EnsureSuccessStatusCode();
        await _silos[0].Admin.PutServiceAsync(TestResources.Service("svc-new"));
        var revision = await _silos[0].StoreRevisionAsync();
        await Poll.UntilTrueAsync(async () => (await CacheRevisionAsync(_silos[2])) >= revision, Deadline, () => "silo-c never caught up");

        await using var onC = await TestSubscriber.ConnectAsync(_silos[2].BaseAddress, Node("mover"), held);
        var response = (await onC.Responses.ReadAsync().AsTask().WaitAsync(Deadline)).Resources;

        Assert.Equal(["svc-3", "svc-new"], response.Resources_.Select(r => r.Name).Order());
        Assert.Equal(["Service/default/svc-4"], response.RemovedResources);
        Assert.True(onC.BytesReceived * 4 < fullBytes, $"resume sent {onC.BytesReceived} bytes, the full set was {fullBytes}");
        Assert.Equal(9090, onC.Get(TestResources.ServiceKey("svc-3"))!.Spec.GetProperty("ports")[0].GetProperty("port").GetInt32());
    }

    private static async Task<long> CacheRevisionAsync(SiloProcess silo) =>
        (await silo.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/revision", MeshJson.Options)).GetProperty("cacheRevision").GetInt64();

    [Fact]
    public async Task Write_ViaOneSilo_ReachesSubscribersOnEverySilo()
    {
        await using var onB = await TestSubscriber.ConnectAsync(_silos[1].BaseAddress, Node("sub-b"));
        await using var onC = await TestSubscriber.ConnectAsync(_silos[2].BaseAddress, Node("sub-c"));
        await onB.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");
        await onC.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");

        await _silos[0].Admin.PutServiceAsync(TestResources.Service("reviews"));

        await onB.WaitForAsync(s => s.Has(TestResources.ServiceKey("reviews")), Deadline, "reviews on silo-b");
        await onC.WaitForAsync(s => s.Has(TestResources.ServiceKey("reviews")), Deadline, "reviews on silo-c");
        var subscribers = await Poll.UntilAsync(async () =>
        {
            var list = await _silos[0].Admin.GetFromJsonAsync<List<SubscriberStatus>>("/api/v1/subscribers", MeshJson.Options);
            return list!.Count(s => s.AckedRevision == onB.Revision) == 2 ? list : null;
        }, Deadline, () => "both subscribers' ACKs never showed in silo-a's admin API");
        Assert.Equal("silo-b", subscribers.Single(s => s.Id == "sub-b").SiloId);
        Assert.Equal("silo-c", subscribers.Single(s => s.Id == "sub-c").SiloId);
    }

    [Fact]
    public async Task Members_ListsEveryLiveSilo()
    {
        var members = await Poll.UntilAsync(async () =>
        {
            var list = await _silos[2].Admin.GetFromJsonAsync<List<SiloMember>>("/api/v1/members", MeshJson.Options);
            return list!.Count == 3 ? list : null;
        }, Deadline, () => "Orleans' membership never showed three silos");

        Assert.Equal(["silo-a", "silo-b", "silo-c"], members.Select(m => m.Id).Order());
        Assert.All(members, m => Assert.Contains("127.0.0.1", m.Address));
        Assert.All(members, m => Assert.Equal("Active", m.Status));
        Assert.All(members, m => Assert.True(m.LastIAmAlive >= m.StartedAt));
    }

    [Fact]
    public async Task DatabaseConnectionCut_SubscribersOfThatSiloStillConverge()
    {
        await using var onB = await TestSubscriber.ConnectAsync(_silos[1].BaseAddress, Node("cut-b"));
        await onB.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");

        // Kill every database connection of silo-b, including its LISTEN connection, mid-stream.
        await using (var connection = new NpgsqlConnection(_database))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'silo-b'", connection);
            var terminated = (long)(await command.ExecuteScalarAsync())!;
            Assert.True(terminated > 0, "silo-b had no connections to cut");
        }

        // A write through silo-a runs on its service's owner, which may be on silo-b: there the first use of a
        // connection the cut closed fails with a 503, and the client writes again (the point here is silo-b's subscriber).
        for (var i = 0; i < 5; i++)
        {
            var service = TestResources.Service($"after-cut-{i}");
            await Poll.UntilTrueAsync(async () =>
            {
                using var response = await _silos[0].Admin.PutAsJsonAsync($"/api/v1/namespaces/default/services/{service.Metadata.Name}", service, MeshJson.Options);
                return response.IsSuccessStatusCode;
            }, Deadline, () => $"{service.Metadata.Name} was never written");
        }

        await onB.WaitForAsync(s => Enumerable.Range(0, 5).All(i => s.Has(TestResources.ServiceKey($"after-cut-{i}"))), Deadline, "all writes made after the cut");
        Assert.Equal(await _silos[0].StoreRevisionAsync(), onB.Revision);
    }

    [Fact]
    public async Task LeaseExpiry_RemovesEndpointAndPushesRemoval()
    {
        await using var onC = await TestSubscriber.ConnectAsync(_silos[2].BaseAddress, Node("lease-c"));
        var view = await _silos[0].Admin.RegisterAsync(new EndpointRegistration { Service = "ratings", Address = "127.0.0.1", Port = 9191, TtlSeconds = 2 });
        var key = TestResources.EndpointKey("ratings", "127.0.0.1", 9191);
        await onC.WaitForAsync(s => s.Has(key), Deadline, "the registered endpoint");
        Assert.NotNull(view.LeaseExpiresAt);

        await onC.WaitForAsync(s => !s.Has(key), Deadline, "the endpoint's removal after its lease expired");

        using var response = await _silos[1].Admin.GetAsync($"/api/v1/namespaces/default/endpoints/{view.Name}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task LeaseRenewal_KeepsEndpointAlive()
    {
        // Leases of 5 s renewed every 0.5 s leave room for a stalled renewal on a loaded machine.
        var view = await _silos[0].Admin.RegisterAsync(new EndpointRegistration { Service = "details", Address = "127.0.0.1", Port = 9292, TtlSeconds = 5 });
        var revisionAfterRegister = await _silos[0].StoreRevisionAsync();

        // Renew past two lease lengths; the endpoint must survive and renewals must not create revisions.
        var until = view.LeaseExpiresAt!.Value.AddSeconds(6);
        while (DateTimeOffset.UtcNow < until)
        {
            using var renew = await _silos[1].Admin.PostAsJsonAsync("/api/v1/namespaces/default/endpoints/renew", new { names = new[] { view.Name }, ttlSeconds = 5 });
            var result = await renew.Content.ReadFromJsonAsync<Mesh.Silo.Api.LeaseRenewalResult>(MeshJson.Options);
            Assert.Empty(result!.Missing);
            await Task.Delay(500);
        }

        using var get = await _silos[2].Admin.GetAsync($"/api/v1/namespaces/default/endpoints/{view.Name}");
        Assert.True(get.IsSuccessStatusCode);
        Assert.Equal(revisionAfterRegister, await _silos[0].StoreRevisionAsync());
    }
}
