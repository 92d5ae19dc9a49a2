using System.Text.Json;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using static Mesh.Tests.Storage.StoreTestData;

namespace Mesh.Tests.Storage;

/// <summary>
/// The <see cref="IMeshStore"/> contract. Every store runs these same tests through a concrete subclass; this part
/// covers resources, versions, atomicity and snapshots (the change log, leases, watch and membership follow in
/// the other part of this partial class).
/// </summary>
public abstract partial class MeshStoreContractTests : IAsyncLifetime
{
    private IMeshStore? _store;

    protected IMeshStore Store => _store ?? throw new InvalidOperationException("store not created");

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    /// <summary>Cancels a test that hangs instead of failing.</summary>
    protected CancellationToken Ct => _timeout.Token;

    /// <summary>A new, initialized, empty store.</summary>
    protected abstract Task<IMeshStore> CreateStoreAsync();

    public async Task InitializeAsync() => _store = await CreateStoreAsync();

    public virtual async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }

        _timeout.Dispose();
    }

    [Fact]
    public async Task WriteAsync_Create_StoresResourceStampedWithRevision()
    {
        var result = await Store.WriteAsync([ResourceWrite.Create(Endpoint("a"))], Ct);

        Assert.Equal(1, result.Revision);
        var created = Assert.Single(result.Upserted);
        Assert.Equal(1, created.Metadata.ResourceVersion);
        var stored = await Store.GetAsync(EndpointKey("a"), Ct);
        Assert.NotNull(stored);
        AssertSameResource(created, stored.Resource);
        Assert.Null(stored.LeaseExpiresAt);
        Assert.Equal(1, await Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task WriteAsync_UpsertExisting_ReplacesContentAndVersion()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.1"))], Ct);

        var result = await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.2", labels: new Dictionary<string, string>()), expectedVersion: 1)], Ct);

        Assert.Equal(2, result.Revision);
        var stored = await Store.GetAsync(EndpointKey("a"), Ct);
        Assert.Equal("10.0.0.2", AddressOf(stored!.Resource));
        Assert.Equal(2, stored.Resource.Version);
        Assert.Empty(stored.Resource.Metadata.Labels!);
    }

    [Fact]
    public async Task WriteAsync_NamespaceMissing_StoredInDefaultNamespace()
    {
        var resource = Endpoint("a") with { Metadata = Endpoint("a").Metadata with { Namespace = null } };

        await Store.WriteAsync([ResourceWrite.Upsert(resource)], Ct);

        var stored = await Store.GetAsync(EndpointKey("a", "default"), Ct);
        Assert.Equal("default", stored!.Resource.Metadata.Namespace);
    }

    [Fact]
    public async Task ListAsync_KindAndNamespace_ReturnsMatchesOrderedByNamespaceThenName()
    {
        await Store.WriteAsync([
            ResourceWrite.Upsert(Endpoint("b", "prod")),
            ResourceWrite.Upsert(Endpoint("a", "prod")),
            ResourceWrite.Upsert(Endpoint("Z", "dev")),
            ResourceWrite.Upsert(Service("a", "prod")),
        ], Ct);

        var all = await Store.ListAsync("Endpoint", null, Ct);
        var prod = await Store.ListAsync("Endpoint", "prod", Ct);

        Assert.Equal(["dev/Z", "prod/a", "prod/b"], all.Select(r => $"{r.Resource.Metadata.Namespace}/{r.Resource.Metadata.Name}"));
        Assert.Equal(["a", "b"], prod.Select(r => r.Resource.Metadata.Name));
        Assert.Empty(await Store.ListAsync("Endpoint", "staging", Ct));
    }

    [Fact]
    public async Task WriteAsync_StaleExpectedVersion_ThrowsConflictAndWritesNothing()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a"))], Ct);
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.2"))], Ct);

        var conflict = await Assert.ThrowsAsync<StoreConflictException>(() =>
            Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.3"), expectedVersion: 1)], Ct));

        Assert.Equal(EndpointKey("a"), conflict.Key);
        Assert.Equal("10.0.0.2", AddressOf((await Store.GetAsync(EndpointKey("a"), Ct))!.Resource));
        Assert.Equal(2, await Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task WriteAsync_CreateExisting_ThrowsConflict()
    {
        await Store.WriteAsync([ResourceWrite.Create(Endpoint("a"))], Ct);

        await Assert.ThrowsAsync<StoreConflictException>(() => Store.WriteAsync([ResourceWrite.Create(Endpoint("a", address: "10.9.9.9"))], Ct));

        Assert.Equal("10.0.0.1", AddressOf((await Store.GetAsync(EndpointKey("a"), Ct))!.Resource));
    }

    [Fact]
    public async Task WriteAsync_OneBadWriteAmongMany_AppliesNone()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a"))], Ct);

        await Assert.ThrowsAsync<StoreConflictException>(() => Store.WriteAsync([
            ResourceWrite.Upsert(Endpoint("new")),
            ResourceWrite.Delete(EndpointKey("a")),
            ResourceWrite.Upsert(Endpoint("a"), expectedVersion: 7),
        ], Ct));

        Assert.Null(await Store.GetAsync(EndpointKey("new"), Ct));
        Assert.NotNull(await Store.GetAsync(EndpointKey("a"), Ct));
        Assert.Equal(1, await Store.GetRevisionAsync(Ct));
        Assert.Empty((await Store.ReadChangesAsync(1, 100, Ct)).Changes);
    }

    [Fact]
    public async Task WriteAsync_DeleteMissing_IsNoOpUnlessVersionExpected()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a"))], Ct);

        var noOp = await Store.WriteAsync([ResourceWrite.Delete(EndpointKey("missing"))], Ct);

        Assert.Equal(1, noOp.Revision);
        Assert.Empty(noOp.Deleted);
        Assert.Equal(1, await Store.GetRevisionAsync(Ct));
        await Assert.ThrowsAsync<StoreConflictException>(() => Store.WriteAsync([ResourceWrite.Delete(EndpointKey("missing"), expectedVersion: 1)], Ct));
    }

    [Fact]
    public async Task WriteAsync_ManyWritesOneRequest_ShareOneRevision()
    {
        var result = await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a")), ResourceWrite.Upsert(Endpoint("b")), ResourceWrite.Upsert(Service("svc"))], Ct);

        Assert.Equal(1, result.Revision);
        Assert.All(result.Upserted, r => Assert.Equal(1, r.Version));
        Assert.Equal(3, (await Store.ReadChangesAsync(0, 100, Ct)).Changes.Count);
    }

    [Fact]
    public async Task WriteAsync_ConcurrentRequests_EachGetsItsOwnRevision()
    {
        var writes = Enumerable.Range(0, 64).Select(i => Store.WriteAsync([ResourceWrite.Create(Endpoint($"e{i}"))], Ct)).ToList();

        var results = await Task.WhenAll(writes);

        Assert.Equal(Enumerable.Range(1, 64).Select(i => (long)i), results.Select(r => r.Revision).Order());
        Assert.Equal(64, (await Store.ListAsync("Endpoint", null, Ct)).Count);
    }

    [Fact]
    public async Task WriteAsync_ConcurrentCreatesOfOneKey_ExactlyOneSucceeds()
    {
        var attempts = Enumerable.Range(0, 16).Select(i => Store.WriteAsync([ResourceWrite.Create(Endpoint("a", address: $"10.0.0.{i}"))], Ct)).ToList();

        await Task.WhenAll(attempts.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default)));

        var winner = Assert.Single(attempts, a => a.IsCompletedSuccessfully);
        Assert.All(attempts.Where(a => a != winner), a => Assert.IsType<StoreConflictException>(a.Exception!.InnerException));
        Assert.Equal(AddressOf((await winner).Upserted[0]), AddressOf((await Store.GetAsync(EndpointKey("a"), Ct))!.Resource));
        Assert.Equal(1, await Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task ReadSnapshotAsync_AfterWrites_ReturnsEveryResourceAtCurrentRevision()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a")), ResourceWrite.Upsert(Service("svc"))], Ct);
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("b"), leaseExpiresAt: T0)], Ct);
        await Store.WriteAsync([ResourceWrite.Delete(EndpointKey("a"))], Ct);

        var snapshot = await Store.ReadSnapshotAsync(Ct);

        Assert.Equal(3, snapshot.Revision);
        Assert.Equal(["Endpoint/default/b", "Service/default/svc"], snapshot.Resources.Select(r => r.Resource.Key.ToString()).Order(StringComparer.Ordinal));
        Assert.Equal(T0, snapshot.Resources.Single(r => r.Resource.Kind == "Endpoint").LeaseExpiresAt);
    }

    protected static void AssertSameResource(MeshResource expected, MeshResource actual)
    {
        Assert.Equal(expected.Key, actual.Key);
        Assert.Equal(expected.ApiVersion, actual.ApiVersion);
        Assert.Equal(expected.Version, actual.Version);
        Assert.Equal(expected.Metadata.Labels?.OrderBy(l => l.Key), actual.Metadata.Labels?.OrderBy(l => l.Key));
        Assert.Equal(expected.Metadata.Annotations?.OrderBy(l => l.Key), actual.Metadata.Annotations?.OrderBy(l => l.Key));
        Assert.True(JsonElement.DeepEquals(expected.Spec, actual.Spec), $"spec {actual.Spec} != {expected.Spec}");
    }
}
