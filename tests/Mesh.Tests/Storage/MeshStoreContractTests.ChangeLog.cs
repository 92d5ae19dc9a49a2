using Mesh.Contracts.Json;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using static Mesh.Tests.Storage.StoreTestData;

namespace Mesh.Tests.Storage;

/// <summary>The change log, leases, watch, membership and subscriber parts of the store contract.</summary>
public abstract partial class MeshStoreContractTests
{
    [Fact]
    public async Task ReadChangesAsync_AfterUpsertAndDelete_ReturnsContentThenTombstone()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a"))], Ct);
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("b"))], Ct);
        await Store.WriteAsync([ResourceWrite.Delete(EndpointKey("a"))], Ct);

        var page = await Store.ReadChangesAsync(0, 100, Ct);

        Assert.False(page.Compacted);
        Assert.False(page.HasMore);
        Assert.Equal(3, page.Revision);
        var tombstone = page.Changes[^1];
        Assert.Equal((3L, EndpointKey("a")), (tombstone.Revision, tombstone.Key));
        Assert.Null(tombstone.Resource);
        var b = Assert.Single(page.Changes, c => c.Key == EndpointKey("b"));
        Assert.Equal(2, b.Resource!.Version);
        Assert.Equal(page.Changes.Select(c => c.Revision).Order(), page.Changes.Select(c => c.Revision));
    }

    [Fact]
    public async Task ReadChangesAsync_ResourceRewritten_ReplayEndsInCurrentState()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.1"))], Ct);
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.2")), ResourceWrite.Upsert(Endpoint("b"))], Ct);
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.3"))], Ct);

        // A store may leave out superseded upserts, but replaying the log must end in the current state.
        var replayed = Replay((await Store.ReadChangesAsync(0, 100, Ct)).Changes);

        Assert.Equal("10.0.0.3", AddressOf(replayed[EndpointKey("a")]));
        Assert.Equal(3, replayed[EndpointKey("a")].Version);
        Assert.Equal(2, replayed[EndpointKey("b")].Version);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task ReadChangesAsync_SmallLimit_NeverSplitsARevision(int limit)
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a")), ResourceWrite.Upsert(Endpoint("b")), ResourceWrite.Upsert(Endpoint("c"))], Ct);
        await Store.WriteAsync([ResourceWrite.Upsert(Service("s"))], Ct);
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("d")), ResourceWrite.Upsert(Endpoint("e"))], Ct);
        var perRevision = new Dictionary<long, int> { [1] = 3, [2] = 1, [3] = 2 };

        var position = 0L;
        var seen = new List<ChangeEntry>();
        for (var pages = 0; ; pages++)
        {
            Assert.True(pages < 10, "paging did not finish");
            var page = await Store.ReadChangesAsync(position, limit, Ct);
            Assert.False(page.Compacted);
            Assert.All(page.Changes, c => Assert.InRange(c.Revision, position + 1, page.Revision));
            foreach (var revision in page.Changes.Select(c => c.Revision).Distinct())
            {
                Assert.Equal(perRevision[revision], page.Changes.Count(c => c.Revision == revision));
            }

            seen.AddRange(page.Changes);
            position = page.Revision;
            if (!page.HasMore)
            {
                break;
            }
        }

        Assert.Equal(3, position);
        Assert.Equal(6, seen.Count);
        Assert.Empty((await Store.ReadChangesAsync(3, limit, Ct)).Changes);
    }

    [Fact]
    public async Task ReadChangesAsync_PositionCompactedOrInFuture_ReportsCompacted()
    {
        for (var i = 0; i < 3; i++)
        {
            await Store.WriteAsync([ResourceWrite.Upsert(Endpoint($"e{i}"))], Ct);
        }

        Assert.Equal(2, await Store.CompactAsync(2, Ct));

        Assert.True((await Store.ReadChangesAsync(0, 100, Ct)).Compacted);
        Assert.True((await Store.ReadChangesAsync(1, 100, Ct)).Compacted);
        var kept = await Store.ReadChangesAsync(2, 100, Ct);
        Assert.False(kept.Compacted);
        Assert.Equal(3, Assert.Single(kept.Changes).Revision);
        var future = await Store.ReadChangesAsync(8, 100, Ct);
        Assert.True(future.Compacted);
        Assert.Equal(3, future.Revision);
        Assert.Equal(3, await Store.CompactAsync(100, Ct));
        Assert.Equal(3, await Store.CompactAsync(1, Ct));
        Assert.Equal(3, (await Store.ReadSnapshotAsync(Ct)).Resources.Count);
    }

    [Fact]
    public async Task RenewLeasesAsync_ExistingAndMissingKeys_SetsLeaseWithoutNewRevisionAndReturnsMissing()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a"), leaseExpiresAt: T0)], Ct);

        var missing = await Store.RenewLeasesAsync([EndpointKey("a"), EndpointKey("gone")], T0.AddMinutes(5), Ct);

        Assert.Equal([EndpointKey("gone")], missing);
        Assert.Equal(1, await Store.GetRevisionAsync(Ct));
        Assert.Equal(T0.AddMinutes(5), (await Store.GetAsync(EndpointKey("a"), Ct))!.LeaseExpiresAt);
        Assert.Empty((await Store.ReadChangesAsync(1, 100, Ct)).Changes);
    }

    [Fact]
    public async Task WriteAsync_UpsertWithoutLease_KeepsExistingLease()
    {
        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a"), leaseExpiresAt: T0)], Ct);

        await Store.WriteAsync([ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.2"))], Ct);

        Assert.Equal(T0, (await Store.GetAsync(EndpointKey("a"), Ct))!.LeaseExpiresAt);
    }

    [Fact]
    public async Task ExpireLeasesAsync_ExpiredLease_DeletesResourceAndRecordsChange()
    {
        await Store.WriteAsync([
            ResourceWrite.Upsert(Endpoint("expired"), leaseExpiresAt: T0.AddSeconds(10)),
            ResourceWrite.Upsert(Endpoint("live"), leaseExpiresAt: T0.AddSeconds(100)),
            ResourceWrite.Upsert(Endpoint("unleased")),
        ], Ct);

        var expired = await Store.ExpireLeasesAsync(T0.AddSeconds(50), 10, LeasePartition.All, Ct);

        Assert.Equal([EndpointKey("expired")], expired);
        Assert.Null(await Store.GetAsync(EndpointKey("expired"), Ct));
        Assert.NotNull(await Store.GetAsync(EndpointKey("live"), Ct));
        Assert.NotNull(await Store.GetAsync(EndpointKey("unleased"), Ct));
        var change = Assert.Single((await Store.ReadChangesAsync(1, 100, Ct)).Changes);
        Assert.Equal((2L, EndpointKey("expired"), (MeshResource?)null), (change.Revision, change.Key, change.Resource));
        Assert.Empty(await Store.ExpireLeasesAsync(T0.AddSeconds(50), 10, LeasePartition.All, Ct));
        Assert.Equal(2, await Store.GetRevisionAsync(Ct));
    }

    [Fact]
    public async Task ExpireLeasesAsync_MoreExpiredThanLimit_DeletesOnlyLimitInOneRevision()
    {
        await Store.WriteAsync(Enumerable.Range(0, 5).Select(i => ResourceWrite.Upsert(Endpoint($"e{i}"), leaseExpiresAt: T0.AddSeconds(i))).ToList(), Ct);

        var first = await Store.ExpireLeasesAsync(T0.AddMinutes(1), 3, LeasePartition.All, Ct);

        Assert.Equal(3, first.Count);
        Assert.Equal(2, await Store.GetRevisionAsync(Ct));
        Assert.Equal(2, (await Store.ExpireLeasesAsync(T0.AddMinutes(1), 3, LeasePartition.All, Ct)).Count);
        Assert.Empty(await Store.ListAsync("Endpoint", null, Ct));
    }

    [Fact]
    public async Task ListAsync_Query_FiltersByLabelsAndServiceAndPagesByKey()
    {
        static MeshResource OfReviews(MeshResource endpoint) => endpoint with { Spec = MeshJson.ToElement(new { service = "reviews", address = "10.0.0.1", port = 8080 }) };
        await Store.WriteAsync([
            ResourceWrite.Upsert(OfReviews(Endpoint("e1", labels: new Dictionary<string, string> { ["version"] = "v1" }))),
            ResourceWrite.Upsert(OfReviews(Endpoint("e2", labels: new Dictionary<string, string> { ["version"] = "v2", ["zone"] = "a" }))),
            ResourceWrite.Upsert(OfReviews(Endpoint("e3", labels: new Dictionary<string, string> { ["version"] = "v2" }))),
            ResourceWrite.Upsert(OfReviews(Endpoint("e4", @namespace: "other", labels: new Dictionary<string, string> { ["version"] = "v2" }))),
            ResourceWrite.Upsert(Service("e0")),
        ], Ct);

        static ResourceQuery Endpoints() => new("Endpoint");
        var v2 = await Store.ListAsync(Endpoints() with { Labels = new Dictionary<string, string> { ["version"] = "v2" } }, Ct);
        var v2ZoneA = await Store.ListAsync(Endpoints() with { Labels = new Dictionary<string, string> { ["version"] = "v2", ["zone"] = "a" } }, Ct);
        var firstPage = await Store.ListAsync(Endpoints() with { Limit = 2 }, Ct);
        var secondPage = await Store.ListAsync(Endpoints() with { Limit = 2, After = firstPage[^1].Resource.Key }, Ct);
        var ofService = await Store.ListAsync(Endpoints() with { Service = "reviews", Namespace = "default" }, Ct);
        var ofOtherService = await Store.ListAsync(Endpoints() with { Service = "ratings" }, Ct);

        Assert.Equal(["default/e2", "default/e3", "other/e4"], v2.Select(r => $"{r.Resource.Key.Namespace}/{r.Resource.Key.Name}"));
        Assert.Equal("e2", Assert.Single(v2ZoneA).Resource.Metadata.Name);
        Assert.Equal(["e1", "e2"], firstPage.Select(r => r.Resource.Metadata.Name));
        Assert.Equal(["e3", "e4"], secondPage.Select(r => r.Resource.Metadata.Name));
        Assert.Equal(["e1", "e2", "e3"], ofService.Select(r => r.Resource.Metadata.Name));
        Assert.Empty(ofOtherService);
    }

    [Fact]
    public async Task ExpireLeasesAsync_OnePartition_DeletesOnlyThatPartitionsExpiredLeases()
    {
        var names = Enumerable.Range(0, 40).Select(i => $"e{i}").ToList();
        await Store.WriteAsync(names.Select(n => ResourceWrite.Upsert(Endpoint(n), leaseExpiresAt: T0)).ToList(), Ct);
        var partition = new LeasePartition(1, 4);
        var expected = names.Select(n => EndpointKey(n)).Where(partition.Contains).OrderBy(k => k.Name, StringComparer.Ordinal).ToList();
        Assert.NotEmpty(expected);

        var expired = await Store.ExpireLeasesAsync(T0.AddSeconds(1), 1000, partition, Ct);

        Assert.Equal(expected, expired.OrderBy(k => k.Name, StringComparer.Ordinal));
        Assert.Equal(names.Count - expected.Count, (await Store.ListAsync("Endpoint", null, Ct)).Count);
        Assert.Empty(await Store.ExpireLeasesAsync(T0.AddSeconds(1), 1000, partition, Ct));
    }

    [Fact]
    public async Task NextLeaseExpiryAsync_Partitions_EarliestLeaseOfEachPartitionOrNull()
    {
        var a = EndpointKey("a");
        var partitions = 4;
        var own = new LeasePartition(ResourceKeyHash.PartitionOf(a.Namespace, a.Name, partitions), partitions);
        var other = new LeasePartition((own.Index + 1) % partitions, partitions);
        var sameAsA = Enumerable.Range(0, 100).Select(i => $"b{i}").First(n => own.Contains(EndpointKey(n)));
        var inOther = Enumerable.Range(0, 100).Select(i => $"c{i}").First(n => other.Contains(EndpointKey(n)));
        await Store.WriteAsync([
            ResourceWrite.Upsert(Endpoint("a"), leaseExpiresAt: T0.AddSeconds(30)),
            ResourceWrite.Upsert(Endpoint(sameAsA), leaseExpiresAt: T0.AddSeconds(20)),
            ResourceWrite.Upsert(Endpoint(inOther), leaseExpiresAt: T0.AddSeconds(5)),
        ], Ct);

        Assert.Equal(T0.AddSeconds(20), await Store.NextLeaseExpiryAsync(own, Ct));
        Assert.Equal(T0.AddSeconds(5), await Store.NextLeaseExpiryAsync(other, Ct));
        Assert.Equal(T0.AddSeconds(5), await Store.NextLeaseExpiryAsync(LeasePartition.All, Ct));
        Assert.Null(await Store.NextLeaseExpiryAsync(new LeasePartition(Enumerable.Range(0, partitions).First(p => p != own.Index && p != other.Index), partitions), Ct));
    }

    [Fact]
    public async Task RemoveSubscribersOfSilosAsync_DeadSilo_RemovesOnlyItsSubscribers()
    {
        await Store.UpsertSubscribersAsync([Subscriber("sub-1", "silo-dead"), Subscriber("sub-2", "silo-live"), Subscriber("sub-3", "silo-dead")], Ct);

        var removed = await Store.RemoveSubscribersOfSilosAsync(["silo-dead", "silo-never-seen"], Ct);

        Assert.Equal(2, removed);
        Assert.Equal(["sub-2"], (await Store.ListSubscribersAsync(Ct)).Select(s => s.Id));
        Assert.Equal(0, await Store.RemoveSubscribersOfSilosAsync(["silo-dead"], Ct));
    }

    [Fact]
    public async Task UpsertSubscribersAsync_NewAndExisting_ReplacesRowsListedById()
    {
        await Store.UpsertSubscribersAsync([Subscriber("b", "silo-1"), Subscriber("a", "silo-1")], Ct);
        var nacked = Subscriber("b", "silo-2") with { SentRevision = 9, AckedRevision = 8, NackedRevision = 9, LastNackError = "bad route", LastNackAt = T0.AddSeconds(5) };

        await Store.UpsertSubscribersAsync([nacked], Ct);

        var list = await Store.ListSubscribersAsync(Ct);
        Assert.Equal(["a", "b"], list.Select(s => s.Id));
        var b = list[1];
        Assert.Equal(("silo-2", 9L, 8L, (long?)9, "bad route", (DateTimeOffset?)T0.AddSeconds(5)), (b.SiloId, b.SentRevision, b.AckedRevision, b.NackedRevision, b.LastNackError, b.LastNackAt));
        Assert.Equal(("b", "prod", "reviews", "v1"), (b.Node.Id, b.Node.Namespace, b.Node.Service, b.Node.Labels!["version"]));
        Assert.Equal(["default/ratings"], b.Node.Dependencies!);
        Assert.Null(list[0].NackedRevision);
        await Store.RemoveSubscribersAsync(["a"], Ct);
        Assert.Equal(["b"], (await Store.ListSubscribersAsync(Ct)).Select(s => s.Id));
    }

    private static SubscriberStatus Subscriber(string id, string siloId) => new()
    {
        Id = id,
        SiloId = siloId,
        Node = new NodeInfo { Id = id, Namespace = "prod", Service = "reviews", Labels = new Dictionary<string, string> { ["version"] = "v1" }, Dependencies = ["default/ratings"] },
        ConnectedAt = T0,
        LastSeen = T0.AddSeconds(1),
        SentRevision = 3,
        AckedRevision = 3,
    };

    private static Dictionary<ResourceKey, MeshResource> Replay(IEnumerable<ChangeEntry> changes)
    {
        var state = new Dictionary<ResourceKey, MeshResource>();
        foreach (var change in changes)
        {
            if (change.Resource is null)
            {
                state.Remove(change.Key);
            }
            else
            {
                state[change.Key] = change.Resource;
            }
        }

        return state;
    }
}
