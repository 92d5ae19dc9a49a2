using Mesh.Storage.Orleans;
using Mesh.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.Storage;

namespace Mesh.Tests.Storage.Orleans;

[Collection(PostgresCollection.Name)]
public sealed class OrleansPostgresGrainStorageTests(PostgresFixture postgres) : OrleansPostgresTestBase(postgres)
{
    [Fact]
    public async Task PersistentState_FullClusterRestart_StateIsBack()
    {
        var before = await StartSiloAsync();
        await before.Grains.GetGrain<IOrleansCounterGrain>("a").AddAsync(5);
        Assert.Equal(7, await before.Grains.GetGrain<IOrleansCounterGrain>("a").AddAsync(2));
        await StopSiloAsync(before);

        var after = await StartSiloAsync();

        // Both providers: "mesh" keeps the counter, the default one the number of writes.
        Assert.Equal(new CounterSnapshot(7, 2), await after.Grains.GetGrain<IOrleansCounterGrain>("a").GetAsync());
        Assert.Equal(2L, await ScalarAsync<long>("SELECT count(*) FROM OrleansStorage WHERE ServiceId = @service AND PayloadBinary IS NOT NULL", ("service", ClusterId)));
        // The default grain storage serializer writes Newtonsoft JSON naming the CLR type (not its [Alias]).
        var payload = await ScalarAsync<string>(
            "SELECT convert_from(PayloadBinary, 'UTF8') FROM OrleansStorage WHERE ServiceId = @service AND GrainTypeString = 'counter'", ("service", ClusterId));
        Assert.Contains("\"$type\":\"Mesh.Tests.Storage.Orleans.CounterState, Mesh.Tests\"", payload, StringComparison.Ordinal);
        Assert.Contains("\"Value\":7", payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteStateAsync_StaleEtag_ThrowsInconsistentStateException()
    {
        var silo = await StartSiloAsync();
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(OrleansPostgresSiloBuilderExtensions.StorageName);
        var grain = GrainId.Create("counter", "stale");
        var first = new GrainState<CounterState>();
        var second = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", grain, first);
        await storage.ReadStateAsync("counter", grain, second);

        // Both read "no state": only one may create it.
        first.State!.Value = 1;
        await storage.WriteStateAsync("counter", grain, first);
        second.State!.Value = 2;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grain, second));

        // Both read version 1: only one may update it.
        await storage.ReadStateAsync("counter", grain, second);
        first.State!.Value = 3;
        await storage.WriteStateAsync("counter", grain, first);
        second.State!.Value = 4;
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grain, second));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearStateAsync("counter", grain, second));

        var stored = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", grain, stored);
        Assert.Equal((3, first.ETag), (stored.State!.Value, stored.ETag));

        // Clearing keeps a newer version, so the cleared state stays guarded too.
        await storage.ClearStateAsync("counter", grain, stored);
        var cleared = new GrainState<CounterState>();
        await storage.ReadStateAsync("counter", grain, cleared);
        Assert.Equal((0, false), (cleared.State!.Value, cleared.RecordExists));
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("counter", grain, first));
    }

    [Fact]
    public async Task ReadStateAsync_SameStateNameAndHexLikeKeyOfAnotherGrainType_SharesTheRow()
    {
        // The provider's contract, not ours: a row is keyed by ServiceId, state name and grain key. The grain type is
        // not part of it, and a string key that parses as hexadecimal is stored as that integer ("a" = "A" = 10).
        var silo = await StartSiloAsync();
        var storage = silo.Services.GetRequiredKeyedService<IGrainStorage>(OrleansPostgresSiloBuilderExtensions.StorageName);
        var written = new GrainState<CounterState>(new CounterState { Value = 42 });
        await storage.WriteStateAsync("state", GrainId.Create("counter", "a"), written);

        var read = new GrainState<CounterState>();
        await storage.ReadStateAsync("state", GrainId.Create("other", "A"), read);

        Assert.Equal((42, written.ETag), (read.State!.Value, read.ETag));
    }
}
