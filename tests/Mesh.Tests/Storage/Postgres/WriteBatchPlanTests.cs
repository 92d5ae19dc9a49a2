using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres.Writes;
using static Mesh.Tests.Storage.StoreTestData;

namespace Mesh.Tests.Storage.Postgres;

/// <summary>How one group-commit batch decides its requests, before anything reaches the database.</summary>
public sealed class WriteBatchPlanTests
{
    private static readonly Dictionary<ResourceKey, (long Version, DateTimeOffset? Lease)> Existing = new()
    {
        [EndpointKey("leased")] = (5, T0),
    };

    [Fact]
    public void Add_LaterRequest_SeesEarlierRequestsOfTheSameBatch()
    {
        var plan = new WriteBatchPlan(10, Existing);

        plan.Add(Request(ResourceWrite.Create(Endpoint("a"))));
        plan.Add(Request(ResourceWrite.Upsert(Endpoint("a", address: "10.0.0.2"), expectedVersion: 11)));

        Assert.Equal([11L, 12L], plan.Accepted.Select(a => a.Result.Revision));
        Assert.Equal(12, plan.Revision);
        var row = Assert.Single(plan.Upserts);
        Assert.Equal(("10.0.0.2", 12L), (AddressOf(row.Resource), row.Resource.Version));
        Assert.Equal([(11L, EndpointKey("a"), false), (12L, EndpointKey("a"), false)], plan.Changes);
    }

    [Fact]
    public void Add_ConflictingRequest_RefusedAloneWithoutUsingARevision()
    {
        var plan = new WriteBatchPlan(10, Existing);

        plan.Add(Request(ResourceWrite.Upsert(Endpoint("a"))));
        plan.Add(Request(ResourceWrite.Upsert(Endpoint("b")), ResourceWrite.Create(Endpoint("leased"))));
        plan.Add(Request(ResourceWrite.Upsert(Endpoint("c"))));

        Assert.IsType<StoreConflictException>(Assert.Single(plan.Refused).Error);
        Assert.Equal([11L, 12L], plan.Accepted.Select(a => a.Result.Revision));
        Assert.Equal(["a", "c"], plan.Upserts.Select(u => u.Resource.Metadata.Name).Order());
        Assert.Empty(plan.Deletes);
    }

    [Fact]
    public void Add_UpsertWithoutLease_KeepsLeaseUnlessDeletedInBetween()
    {
        var kept = new WriteBatchPlan(10, Existing);
        kept.Add(Request(ResourceWrite.Upsert(Endpoint("leased"))));

        var recreated = new WriteBatchPlan(10, Existing);
        recreated.Add(Request(ResourceWrite.Delete(EndpointKey("leased"))));
        recreated.Add(Request(ResourceWrite.Upsert(Endpoint("leased"))));

        Assert.Equal(T0, Assert.Single(kept.Upserts).Lease);
        Assert.Null(Assert.Single(recreated.Upserts).Lease);
        Assert.Equal([(11L, EndpointKey("leased"), true), (12L, EndpointKey("leased"), false)], recreated.Changes);
    }

    [Fact]
    public void Add_DeleteOfMissingResource_AcceptedWithoutRevision()
    {
        var plan = new WriteBatchPlan(10, Existing);

        plan.Add(Request(ResourceWrite.Delete(EndpointKey("missing"))));

        Assert.Equal(10, Assert.Single(plan.Accepted).Result.Revision);
        Assert.False(plan.HasChanges);
    }

    private static WriteRequest Request(params ResourceWrite[] writes) => new(writes, CancellationToken.None);
}
