using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;
using Mesh.Storage.Postgres;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Storage;

namespace Mesh.Tests.Certificates;

/// <summary>The <see cref="ICaStore"/> contract, run against every implementation.</summary>
public abstract class CaStoreContractTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(1));
    private ICaStore? _store;

    protected ICaStore Store => _store ?? throw new InvalidOperationException("store not created");

    protected CancellationToken Ct => _timeout.Token;

    protected abstract Task<ICaStore> CreateStoreAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        _timeout.Dispose();
    }

    private static CaRootRow Root(string thumbprint, CaRootState state, int minute = 0) =>
        new(thumbprint, $"chain-{thumbprint}", "v1.sealed", state, Now.AddMinutes(minute));

    [Fact]
    public async Task TryAddRootAsync_ConcurrentActiveRoots_ExactlyOneWins()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => Store.TryAddRootAsync(Root($"{i:X40}", CaRootState.Active, i), Ct)));

        Assert.Equal(1, results.Count(r => r));
        var roots = await Store.ListRootsAsync(Ct);
        Assert.Equal(CaRootState.Active, Assert.Single(roots).State);
        Assert.False(await Store.TryAddRootAsync(roots[0] with { State = CaRootState.Pending }, Ct));
    }

    [Fact]
    public async Task ActivateRootAsync_DemotesPreviousSignerToRetiring()
    {
        await Store.TryAddRootAsync(Root("AA", CaRootState.Active), Ct);
        await Store.TryAddRootAsync(Root("BB", CaRootState.Pending, 1), Ct);

        Assert.Equal(CaRootChange.Done, await Store.ActivateRootAsync("bb", Ct));
        Assert.Equal(CaRootChange.NotFound, await Store.ActivateRootAsync("CC", Ct));

        var states = (await Store.ListRootsAsync(Ct)).ToDictionary(r => r.Thumbprint, r => r.State);
        Assert.Equal(CaRootState.Retiring, states["AA"]);
        Assert.Equal(CaRootState.Active, states["BB"]);
    }

    [Fact]
    public async Task RetireRootAsync_RefusesActiveAndRetiresOthers()
    {
        await Store.TryAddRootAsync(Root("AA", CaRootState.Active), Ct);
        await Store.TryAddRootAsync(Root("BB", CaRootState.Pending, 1), Ct);

        Assert.Equal(CaRootChange.IsActive, await Store.RetireRootAsync("AA", Ct));
        Assert.Equal(CaRootChange.Done, await Store.RetireRootAsync("BB", Ct));
        Assert.Equal(CaRootChange.IsRetired, await Store.RetireRootAsync("BB", Ct));
        Assert.Equal(CaRootChange.IsRetired, await Store.ActivateRootAsync("BB", Ct));
        Assert.Equal(CaRootChange.NotFound, await Store.RetireRootAsync("CC", Ct));
        Assert.Equal([CaRootState.Active, CaRootState.Retired], (await Store.ListRootsAsync(Ct)).Select(r => r.State));
    }

    [Fact]
    public async Task TryMarkJoinTokenUsedAsync_Concurrent_ExactlyOneSucceeds()
    {
        var token = new JoinTokenRow("hash-1", "shop", "cart", Now.AddHours(1), true, null, Now);
        await Store.AddJoinTokenAsync(token, Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Store.TryMarkJoinTokenUsedAsync("hash-1", Now.AddMinutes(1), Ct)));

        Assert.Equal(1, results.Count(r => r));
        Assert.Equal(Now.AddMinutes(1), (await Store.FindJoinTokenAsync("hash-1", Ct))!.UsedAt);
        Assert.False(await Store.TryMarkJoinTokenUsedAsync("unknown", Now, Ct));
        Assert.Null(await Store.FindJoinTokenAsync("unknown", Ct));
        await Assert.ThrowsAsync<StoreConflictException>(() => Store.AddJoinTokenAsync(token, Ct));
    }

    [Fact]
    public async Task PruneAsync_RemovesOnlyExpiredTokensAndRecords()
    {
        await Store.AddJoinTokenAsync(new JoinTokenRow("old", "shop", "cart", Now.AddHours(-2), false, null, Now.AddHours(-3)), Ct);
        await Store.AddJoinTokenAsync(new JoinTokenRow("live", "shop", "cart", Now.AddHours(2), false, null, Now), Ct);
        await Store.RecordIssuedAsync(new IssuedCertificateRow("0A", "spiffe://td/ns/a/sa/x", Now.AddDays(-2), Now.AddDays(-1), "AA", Now.AddDays(-2)), Ct);
        await Store.RecordIssuedAsync(new IssuedCertificateRow("0B", "spiffe://td/ns/a/sa/x", Now, Now.AddDays(1), "AA", Now), Ct);

        Assert.Equal(2, await Store.PruneAsync(Now.AddHours(-1), Now, Ct));
        Assert.Equal(0, await Store.PruneAsync(Now.AddHours(-1), Now, Ct));

        Assert.Null(await Store.FindJoinTokenAsync("old", Ct));
        Assert.NotNull(await Store.FindJoinTokenAsync("live", Ct));
        Assert.Equal(["0B"], (await Store.ListIssuedAsync(null, 10, Ct)).Select(c => c.SerialNumber));
    }

    [Fact]
    public async Task ListIssuedAsync_FiltersByIdentityNewestFirst()
    {
        await Store.RecordIssuedAsync(new IssuedCertificateRow("01", "spiffe://td/ns/a/sa/x", Now, Now.AddHours(1), "AA", Now), Ct);
        await Store.RecordIssuedAsync(new IssuedCertificateRow("02", "spiffe://td/ns/a/sa/x", Now, Now.AddHours(2), "AA", Now.AddMinutes(5)), Ct);
        await Store.RecordIssuedAsync(new IssuedCertificateRow("03", "spiffe://td/ns/b/sa/y", Now, Now.AddHours(1), "AA", Now.AddMinutes(9)), Ct);

        var forX = await Store.ListIssuedAsync("spiffe://td/ns/a/sa/x", 10, Ct);
        var all = await Store.ListIssuedAsync(null, 2, Ct);

        Assert.Equal(["02", "01"], forX.Select(c => c.SerialNumber));
        Assert.Equal(Now.AddHours(2), forX[0].NotAfter);
        Assert.Equal(["03", "02"], all.Select(c => c.SerialNumber));
    }
}

public sealed class InMemoryCaStoreTests : CaStoreContractTests
{
    protected override Task<ICaStore> CreateStoreAsync() => Task.FromResult<ICaStore>(new InMemoryCaStore());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresCaStoreTests(PostgresFixture postgres) : CaStoreContractTests
{
    protected override async Task<ICaStore> CreateStoreAsync()
    {
        var database = await postgres.CreateDatabaseAsync("ca_store", Ct);
        await using (var migrator = PostgresMeshStoreTests.Create(database))
        {
            await migrator.InitializeAsync(Ct);
        }

        return new PostgresCaStore(new PostgresStoreOptions { ConnectionString = database });
    }
}
