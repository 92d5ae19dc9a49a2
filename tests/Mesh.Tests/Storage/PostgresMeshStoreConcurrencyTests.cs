using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres;
using Mesh.Storage.Postgres.Migrations;
using Mesh.Tests.Infrastructure;
using Npgsql;
using static Mesh.Tests.Storage.StoreTestData;

namespace Mesh.Tests.Storage;

/// <summary>What only a shared database can get wrong: several stores (silos) on one database at once.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMeshStoreConcurrencyTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private readonly List<PostgresMeshStore> _stores = [];

    private CancellationToken Ct => _timeout.Token;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        _timeout.Dispose();
    }

    [Fact]
    public async Task WriteAsync_ManyWritersOnTwoSilos_ReaderSeesEveryRevisionOnceInOrder()
    {
        var database = await postgres.CreateDatabaseAsync("order", Ct);
        var silos = new[] { await StartAsync(database, maxBatchSize: 16), await StartAsync(database, maxBatchSize: 16) };
        const int writers = 8, writesEach = 40;

        var writing = Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < writesEach; i++)
            {
                await silos[(w + i) % 2].WriteAsync([ResourceWrite.Create(Endpoint($"w{w}-{i}"))], Ct);
            }
        }, Ct)));

        var seen = new List<long>();
        var position = 0L;
        while (!writing.IsCompleted || position < writers * writesEach)
        {
            var page = await silos[seen.Count % 2].ReadChangesAsync(position, 25, Ct);
            Assert.False(page.Compacted);
            Assert.True(page.Revision >= position, $"page revision {page.Revision} went back from {position}");
            Assert.All(page.Changes, c => Assert.InRange(c.Revision, position + 1, page.Revision));
            seen.AddRange(page.Changes.Select(c => c.Revision));
            position = page.Revision;
            if (writing.IsFaulted)
            {
                await writing;
            }
        }

        await writing;
        // Every write created its own key, so every revision has exactly one change and none may be missing.
        Assert.Equal(Enumerable.Range(1, writers * writesEach).Select(r => (long)r), seen);
    }

    [Fact]
    public async Task InitializeAsync_TwoStoresOnFreshDatabase_BothSucceedAndMigrateOnce()
    {
        var database = await postgres.CreateDatabaseAsync("migrate", Ct);
        var first = Track(PostgresMeshStoreTests.Create(database));
        var second = Track(PostgresMeshStoreTests.Create(database));

        await Task.WhenAll(first.InitializeAsync(Ct), second.InitializeAsync(Ct));
        await first.InitializeAsync(Ct);

        Assert.True(await second.IsReadyAsync(Ct));
        await first.WriteAsync([ResourceWrite.Create(Endpoint("a"))], Ct);
        Assert.NotNull(await second.GetAsync(EndpointKey("a"), Ct));
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync(Ct);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM mesh_schema_migrations", connection);
        Assert.Equal((long)PostgresMigrator.Embedded.Count, (long)(await count.ExecuteScalarAsync(Ct))!);
    }

    [Fact]
    public async Task ExpireLeasesAsync_TwoSilosAtOnce_DeleteEachExpiredResourceExactlyOnce()
    {
        var database = await postgres.CreateDatabaseAsync("expire", Ct);
        var silos = new[] { await StartAsync(database), await StartAsync(database) };
        await silos[0].WriteAsync(Enumerable.Range(0, 200).Select(i => ResourceWrite.Upsert(Endpoint($"e{i}"), leaseExpiresAt: T0)).ToList(), Ct);

        var results = await Task.WhenAll(silos.Select(s => Task.Run(() => s.ExpireLeasesAsync(T0.AddSeconds(1), 1000, LeasePartition.All, Ct), Ct)));

        var deleted = results.SelectMany(r => r).ToList();
        Assert.Equal(200, deleted.Count);
        Assert.Equal(200, deleted.Distinct().Count());
        var tombstones = (await silos[1].ReadChangesAsync(1, 10_000, Ct)).Changes;
        Assert.Equal(200, tombstones.Count);
        Assert.All(tombstones, t => Assert.Null(t.Resource));
    }

    [Fact]
    public async Task WriteAsync_OneRequestRefusedByDatabase_OthersInItsBatchCommit()
    {
        var silo = await StartAsync(await postgres.CreateDatabaseAsync("refused", Ct));
        // PostgreSQL's jsonb cannot hold U+0000, so this request fails inside the database, not in StoreRules.
        var bad = Endpoint("bad", labels: new Dictionary<string, string> { ["note"] = "a\0b" });

        var good = Enumerable.Range(0, 40).Select(i => silo.WriteAsync([ResourceWrite.Upsert(Endpoint($"good{i}"))], Ct)).ToList();
        var refused = silo.WriteAsync([ResourceWrite.Upsert(bad)], Ct);
        good.AddRange(Enumerable.Range(40, 40).Select(i => silo.WriteAsync([ResourceWrite.Upsert(Endpoint($"good{i}"))], Ct)));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => refused);
        Assert.Contains("refused", error.Message, StringComparison.Ordinal);
        var results = await Task.WhenAll(good);
        Assert.Equal(80, results.Select(r => r.Revision).Distinct().Count());
        Assert.Equal(80, (await ((IMeshStore)silo).ListAsync("Endpoint", null, Ct)).Count);
        Assert.Equal(80, await silo.GetRevisionAsync(Ct));
    }

    private async Task<PostgresMeshStore> StartAsync(string database, int maxBatchSize = 512)
    {
        var store = Track(PostgresMeshStoreTests.Create(database, maxBatchSize));
        await store.InitializeAsync(Ct);
        return store;
    }

    private PostgresMeshStore Track(PostgresMeshStore store)
    {
        _stores.Add(store);
        return store;
    }
}
