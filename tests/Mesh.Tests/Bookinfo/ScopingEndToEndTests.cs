using Mesh.Contracts.Cluster;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Tests.Infrastructure;
using Xunit;

namespace Mesh.Tests.Bookinfo;

/// <summary>
/// Sidecar scoping (Istio Sidecar egress hosts) and delta pushes: a sidecar started with <c>--dependencies</c> holds
/// only those services and is not pushed changes to others; one changed VirtualService is a one-resource delta.
/// </summary>
[Collection(BookinfoCollection.Name)]
public sealed class ScopingEndToEndTests(BookinfoMesh mesh)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ScopedSidecar_DependsOnReviews_HoldsOnlyReviewsAndGetsNoPushForRatings()
    {
        await mesh.ApplySampleAsync("virtual-service-all-v1.yaml");
        var scoped = await mesh.Bed.StartSidecarAsync("scoped-client", extraArgs: ["--dependencies", "default/reviews"]);
        await scoped.WaitForRevisionAsync(1);
        var dump = await BookinfoMesh.ConfigDumpTextAsync(scoped);

        Assert.Contains("outbound|9080|v1|reviews.default.svc.cluster.local", dump, StringComparison.Ordinal);
        foreach (var other in (string[])["ratings", "details", "productpage"])
        {
            Assert.DoesNotContain($"{other}.default.svc.cluster.local", dump, StringComparison.Ordinal);
        }

        Assert.Equal("reviews-v1", await Traffic.SendAsync(scoped.Proxy, "http://reviews:9080/"));
        Assert.Equal("404", await Traffic.SendAsync(scoped.Proxy, "http://ratings:9080/"));

        // A ratings change reaches the unscoped sidecars but not this one. The silo counts it as sent (the sidecar is up to
        // date through it) without sending a frame, so the sidecar neither adopts nor acknowledges that revision.
        var held = await scoped.RevisionAsync();
        await Poll.UntilTrueAsync(async () => (await SubscriberAsync("scoped-client"))?.AckedRevision >= held, Timeout, () => "scoped-client never acknowledged its snapshot");
        await mesh.ApplySampleAsync("virtual-service-ratings-test-abort.yaml");
        var ratingsRevision = await mesh.Bed.Silo.StoreRevisionAsync();
        await Poll.UntilTrueAsync(async () => (await SubscriberAsync("scoped-client"))?.SentRevision >= ratingsRevision, Timeout, () => "the silo never moved scoped-client past the ratings change");

        Assert.Equal(held, await scoped.RevisionAsync());
        Assert.True((await SubscriberAsync("scoped-client"))!.AckedRevision < ratingsRevision, "the ratings change was pushed to a sidecar that does not depend on ratings");
        Assert.DoesNotContain("ratings.default.svc.cluster.local", await BookinfoMesh.ConfigDumpTextAsync(scoped), StringComparison.Ordinal);

        // A reviews change does reach it, and routes.
        await mesh.ApplySampleAsync("virtual-service-reviews-test-v2.yaml");
        await scoped.WaitForRevisionAsync(await mesh.Bed.Silo.StoreRevisionAsync());
        Assert.Equal("reviews-v2", await Traffic.SendAsync(scoped.Proxy, "http://reviews:9080/", user: "jason"));
        Assert.Equal("reviews-v1", await Traffic.SendAsync(scoped.Proxy, "http://reviews:9080/"));
    }

    [Fact]
    public async Task ChangeOneVirtualService_Subscribers_DeltaCarriesOnlyThatResourceAndOnlyToDependents()
    {
        // all-v1 first, so both changes below really change something.
        await mesh.ApplySampleAsync("virtual-service-all-v1.yaml");
        await using var everything = await TestSubscriber.ConnectAsync(mesh.Bed.Silo.BaseAddress, new NodeInfo { Id = "delta-probe-all" }, token: SiloProcess.AdminToken);
        await using var reviewsOnly = await TestSubscriber.ConnectAsync(mesh.Bed.Silo.BaseAddress,
            new NodeInfo { Id = "delta-probe-reviews", Dependencies = ["default/reviews"] }, token: SiloProcess.AdminToken);
        await everything.WaitForAsync(s => s.InitialResponses == 1, Timeout, "the first response");
        await reviewsOnly.WaitForAsync(s => s.InitialResponses == 1, Timeout, "the first response");
        Assert.DoesNotContain(reviewsOnly.Resources, r => r.Metadata.Name is "ratings" or "details" or "productpage");
        // Only what follows the first response (everything in scope) counts below.
        await everything.Responses.ReadAsync();
        await reviewsOnly.Responses.ReadAsync();

        await mesh.ApplySampleAsync("virtual-service-ratings-test-delay.yaml");
        await mesh.ApplySampleAsync("virtual-service-reviews-50-v3.yaml");

        var ratingsDelta = await NextDeltaAsync(everything, VirtualService("ratings"));
        Assert.Single(ratingsDelta.Resources_);
        Assert.Empty(ratingsDelta.RemovedResources);
        var reviewsDelta = await NextDeltaAsync(everything, VirtualService("reviews"));
        Assert.Single(reviewsDelta.Resources_);

        // The scoped subscriber's first delta is the reviews change: the ratings change was never sent to it.
        var scopedDelta = await NextDeltaAsync(reviewsOnly, _ => true);
        var scoped = Assert.Single(scopedDelta.Resources_);
        Assert.Equal(VirtualService("reviews"), new ResourceKey(scoped.Kind, scoped.Namespace, scoped.Name));
        Assert.Empty(scopedDelta.RemovedResources);
    }

    private static ResourceKey VirtualService(string name) => new(ResourceKinds.VirtualService, "default", name);

    private static async Task<Resources> NextDeltaAsync(TestSubscriber subscriber, ResourceKey key) =>
        await NextDeltaAsync(subscriber, d => d.Resources_.Any(u => new ResourceKey(u.Kind, u.Namespace, u.Name) == key));

    private static async Task<Resources> NextDeltaAsync(TestSubscriber subscriber, Func<Resources, bool> wanted)
    {
        using var cts = new CancellationTokenSource(Timeout);
        while (true)
        {
            var response = await subscriber.Responses.ReadAsync(cts.Token);
            if (response.Resources is { } delta && wanted(delta))
            {
                return delta;
            }
        }
    }

    private async Task<SubscriberStatus?> SubscriberAsync(string nodeId)
    {
        var all = await mesh.Bed.Silo.Admin.GetFromJsonAsync<List<SubscriberStatus>>("/api/v1/subscribers", MeshJson.Options);
        return all!.FirstOrDefault(s => s.Node.Id == nodeId);
    }
}
