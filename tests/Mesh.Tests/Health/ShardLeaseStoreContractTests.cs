using Mesh.Contracts.Cluster;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Health;

/// <summary>
/// The shard-lease contract every store passes: acquire, renew, fencing tokens, fenced writes, expiry takeover,
/// release and a fair rebalance. Expiry is real (short leases, polled with a deadline), as the store's clock decides it.
/// </summary>
public abstract class ShardLeaseStoreContractTests : IAsyncLifetime
{
    protected const int Shards = 16;
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(300);
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(60));
    private IMeshStore _store = null!;

    protected CancellationToken Ct => _timeout.Token;

    private IShardLeaseStore Leases => (IShardLeaseStore)_store;

    protected abstract Task<IMeshStore> CreateStoreAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        _timeout.Dispose();
    }

    private Task<ShardBalance> BalanceAsync(string owner, TimeSpan? lease = null) =>
        Leases.BalanceShardsAsync(new ShardClaim(owner, Shards, lease ?? Long, TimeSpan.FromSeconds(5)), Ct);

    private Task HeartbeatAsync(string silo)
    {
        var now = DateTimeOffset.UtcNow;
        return _store.UpsertMemberAsync(new SiloMember(silo, "127.0.0.1", now, now, 0), Ct);
    }

    [Fact]
    public async Task BalanceShards_SingleSilo_AcquiresEveryShardWithAFirstToken()
    {
        var balance = await BalanceAsync("a");

        Assert.Equal(Enumerable.Range(0, Shards), balance.Held.Select(l => l.Shard));
        Assert.All(balance.Held, l => Assert.Equal(1, l.FencingToken));
        Assert.All(balance.Held, l => Assert.True(l.ExpiresAt > balance.StoreNow));
        Assert.Equal(Shards, balance.Target);
    }

    [Fact]
    public async Task BalanceShards_Again_RenewsWithSameTokenAndLaterExpiry()
    {
        var first = await BalanceAsync("a");
        var second = await Poll.UntilAsync(async () =>
        {
            var b = await BalanceAsync("a");
            return b.Held[0].ExpiresAt > first.Held[0].ExpiresAt ? b : null;
        }, TimeSpan.FromSeconds(10), () => "a renewal never moved the expiry");

        Assert.Equal(first.Held.Select(l => (l.Shard, l.FencingToken)), second.Held.Select(l => (l.Shard, l.FencingToken)));
    }

    [Fact]
    public async Task BalanceShards_ExpiredLeases_TakenOverWithHigherTokens()
    {
        var a = await BalanceAsync("a", Short);

        var b = await Poll.UntilAsync(async () =>
        {
            var balance = await BalanceAsync("b");
            return balance.Held.Count == Shards ? balance : null;
        }, TimeSpan.FromSeconds(10), () => "b never took over a's expired shards");

        Assert.All(b.Held, l => Assert.True(l.FencingToken > a.Held.Single(x => x.Shard == l.Shard).FencingToken));
        Assert.All(await Leases.ListShardsAsync(Shards, Ct), l => Assert.Equal("b", l.Owner));
    }

    [Fact]
    public async Task WriteFenced_CurrentToken_WritesAndCreatesARevision()
    {
        var lease = (await BalanceAsync("a")).Held[3];
        var endpoint = await CreateEndpointAsync();

        var result = await Leases.WriteFencedAsync([WithHealth(endpoint, EndpointHealth.Unhealthy)], new ShardFence(3, "a", lease.FencingToken), Ct);

        Assert.Equal(await _store.GetRevisionAsync(Ct), result.Revision);
        Assert.Equal(EndpointHealth.Unhealthy, HealthOf((await _store.GetAsync(endpoint.Key, Ct))!.Resource));
    }

    [Fact]
    public async Task WriteFenced_StaleTokenAfterTakeover_RefusedAndWritesNothing()
    {
        var stale = (await BalanceAsync("a", Short)).Held[5];
        await Poll.UntilTrueAsync(async () => (await BalanceAsync("b")).Held.Any(l => l.Shard == 5), TimeSpan.FromSeconds(10), () => "b never took shard 5");
        var endpoint = await CreateEndpointAsync();
        var revision = await _store.GetRevisionAsync(Ct);

        var refused = await Assert.ThrowsAsync<ShardLeaseLostException>(() =>
            Leases.WriteFencedAsync([WithHealth(endpoint, EndpointHealth.Unhealthy)], new ShardFence(5, "a", stale.FencingToken), Ct));

        Assert.Equal(5, refused.Fence.Shard);
        Assert.Equal(revision, await _store.GetRevisionAsync(Ct));
        Assert.Equal(EndpointHealth.Healthy, HealthOf((await _store.GetAsync(endpoint.Key, Ct))!.Resource));
    }

    [Fact]
    public async Task WriteFenced_AnotherOwnersToken_Refused()
    {
        var lease = (await BalanceAsync("a")).Held[0];
        var endpoint = await CreateEndpointAsync();

        await Assert.ThrowsAsync<ShardLeaseLostException>(() =>
            Leases.WriteFencedAsync([WithHealth(endpoint, EndpointHealth.Unhealthy)], new ShardFence(0, "b", lease.FencingToken), Ct));
    }

    [Fact]
    public async Task ReleaseShards_FreesAtOnceForTheNextSilo()
    {
        await BalanceAsync("a");

        await Leases.ReleaseShardsAsync("a", Ct);

        Assert.All(await Leases.ListShardsAsync(Shards, Ct), l => Assert.Null(l.Owner));
        var b = await BalanceAsync("b");
        Assert.Equal(Shards, b.Held.Count);
        Assert.All(b.Held, l => Assert.Equal(2, l.FencingToken));
    }

    [Fact]
    public async Task BalanceShards_OneToThreeSilos_FairSplitWithOneOwnerPerShard()
    {
        await HeartbeatAsync("a");
        Assert.Equal(Shards, (await BalanceAsync("a")).Held.Count);
        await HeartbeatAsync("b");
        await HeartbeatAsync("c");

        var share = (Shards + 2) / 3;
        var owners = await Poll.UntilAsync(async () =>
        {
            foreach (var silo in new[] { "a", "b", "c" })
            {
                await BalanceAsync(silo);
            }

            var list = await Leases.ListShardsAsync(Shards, Ct);
            var counts = list.GroupBy(l => l.Owner ?? "").ToDictionary(g => g.Key, g => g.Count());
            return list.All(l => l.Owner is not null) && counts.Count == 3 && counts.Values.All(c => c <= share) ? list : null;
        }, TimeSpan.FromSeconds(10), () => "the shards never split fairly over three silos");

        Assert.Equal(Enumerable.Range(0, Shards), owners.Select(l => l.Shard));
        Assert.All(owners.GroupBy(l => l.Owner), g => Assert.InRange(g.Count(), Shards / 3, share));
        Assert.Equal(Shards, owners.Count(l => l.Owner is not null));
    }

    [Fact]
    public async Task BalanceShards_ConcurrentSilos_NeverShareAShard()
    {
        foreach (var silo in new[] { "a", "b", "c", "d" })
        {
            await HeartbeatAsync(silo);
        }

        var balances = await Task.WhenAll(new[] { "a", "b", "c", "d" }.Select(s => BalanceAsync(s)));

        var held = balances.SelectMany(b => b.Held).Select(l => l.Shard).ToList();
        Assert.Equal(held.Count, held.Distinct().Count());
        Assert.All(balances, b => Assert.True(b.Held.Count <= Shards / 4));
    }

    private async Task<MeshResource> CreateEndpointAsync()
    {
        var spec = new EndpointSpec { Service = "reviews", Address = "10.0.0.1", Port = 9080 };
        var resource = new MeshResource
        {
            ApiVersion = ResourceKinds.MeshApiVersion,
            Kind = ResourceKinds.Endpoint,
            Metadata = new ResourceMetadata { Name = "reviews-1", Namespace = "default" },
            Spec = MeshJson.ToElement(spec),
        };
        return (await _store.WriteAsync([ResourceWrite.Create(resource)], Ct)).Upserted[0];
    }

    private static ResourceWrite WithHealth(MeshResource endpoint, EndpointHealth health) =>
        ResourceWrite.Upsert(endpoint with { Spec = MeshJson.ToElement(MeshJson.FromElement<EndpointSpec>(endpoint.Spec)! with { Health = health }) }, endpoint.Version);

    private static EndpointHealth HealthOf(MeshResource endpoint) => MeshJson.FromElement<EndpointSpec>(endpoint.Spec)!.Health;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresShardLeaseStoreTests(PostgresFixture postgres) : ShardLeaseStoreContractTests
{
    protected override async Task<IMeshStore> CreateStoreAsync()
    {
        var store = Storage.PostgresMeshStoreTests.Create(await postgres.CreateDatabaseAsync("shards", Ct));
        await store.InitializeAsync(Ct);
        return store;
    }
}

public sealed class InMemoryShardLeaseStoreTests : ShardLeaseStoreContractTests
{
    protected override Task<IMeshStore> CreateStoreAsync() => Task.FromResult<IMeshStore>(new Mesh.Storage.InMemory.InMemoryMeshStore(TimeProvider.System));
}
