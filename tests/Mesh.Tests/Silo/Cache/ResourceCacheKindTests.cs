using Mesh.Contracts.Resources;
using Mesh.Silo;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Silo.Cache;

/// <summary>The cache's per-kind view (what exports and other one-kind readers use) follows loads, upserts and deletes.</summary>
public sealed class ResourceCacheKindTests
{
    [Fact]
    public void OfKind_FollowsSnapshotUpsertAndDelete_AndHoldsOnlyThatKind()
    {
        var cache = new ResourceCache(TimeProvider.System, new SiloOptions());
        var ratings = TestResources.Service("ratings");
        var reviews = TestResources.Service("reviews");
        var route = TestResources.VirtualService("reviews", "reviews");
        cache.LoadSnapshot(new StoreSnapshot(3, [new StoredResource(ratings, null), new StoredResource(reviews, null), new StoredResource(route, null)]));

        Assert.Equal(["ratings", "reviews"], cache.OfKind(ResourceKinds.Service).Select(r => r.Metadata.Name).Order());
        Assert.Equal("reviews", Assert.Single(cache.OfKind(route.Kind)).Metadata.Name);

        var details = TestResources.Service("details");
        cache.Apply(new ChangePage(5, [new ChangeEntry(4, ratings.Key, null), new ChangeEntry(5, details.Key, details)], Compacted: false, HasMore: false));

        Assert.Equal(["details", "reviews"], cache.OfKind(ResourceKinds.Service).Select(r => r.Metadata.Name).Order());
        Assert.Empty(cache.OfKind(ResourceKinds.Endpoint));

        cache.LoadSnapshot(new StoreSnapshot(6, [new StoredResource(route, null)]));

        Assert.Empty(cache.OfKind(ResourceKinds.Service));
        Assert.Single(cache.OfKind(route.Kind));
    }
}
