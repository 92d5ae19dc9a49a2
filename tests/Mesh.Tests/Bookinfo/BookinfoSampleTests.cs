using System.Diagnostics;
using Xunit;

namespace Mesh.Tests.Bookinfo;

/// <summary>
/// The Bookinfo samples of /work/shared/istio-samples, applied unchanged, behave as its README table says when
/// traffic really flows through productpage's sidecar (and reviews v1's inbound sidecar).
/// </summary>
[Collection(BookinfoCollection.Name)]
public sealed class BookinfoSampleTests(BookinfoMesh mesh)
{
    private const string Reviews = "http://reviews:9080/reviews/0";
    private const string Ratings = "http://ratings:9080/ratings/0";

    [Fact]
    public async Task AllV1_WithDestinationRuleAllSubsets_EveryServiceAnswersFromV1Only()
    {
        await mesh.ApplySampleAsync("destination-rule-all.yaml");
        await mesh.ApplySampleAsync("virtual-service-all-v1.yaml");

        foreach (var service in (string[])["productpage", "reviews", "ratings", "details"])
        {
            var counts = await mesh.CountAsync($"http://{service}:9080/", 60);
            Assert.True(counts.Count == 1 && counts.GetValueOrDefault($"{service}-v1") == 60, $"{service}: {Traffic.Describe(counts)}");
        }

        Assert.True(mesh.App("reviews-v1").Requests >= 60, "reviews v1 was reached through its own inbound sidecar");
    }

    [Fact]
    public async Task Reviews90To10_2000Requests_V1ShareWithinThreePointsOf90()
    {
        await mesh.ApplySampleAsync("virtual-service-reviews-90-10.yaml");

        var counts = await mesh.CountAsync(Reviews, 2000);

        Assert.True(counts.Keys.All(k => k is "reviews-v1" or "reviews-v2"), Traffic.Describe(counts));
        Assert.InRange(counts.GetValueOrDefault("reviews-v1"), 1740, 1860);
    }

    [Fact]
    public async Task Reviews50V3_2000Requests_EvenSplitBetweenV1AndV3NeverV2()
    {
        await mesh.ApplySampleAsync("virtual-service-reviews-50-v3.yaml");

        var counts = await mesh.CountAsync(Reviews, 2000);

        Assert.True(counts.Keys.All(k => k is "reviews-v1" or "reviews-v3"), Traffic.Describe(counts));
        Assert.InRange(counts.GetValueOrDefault("reviews-v1"), 920, 1080);
    }

    [Fact]
    public async Task ReviewsTestV2_JasonHeader_JasonToV2OthersToV1()
    {
        await mesh.ApplySampleAsync("virtual-service-reviews-test-v2.yaml");

        var jason = await mesh.CountAsync(Reviews, 50, user: "jason");
        var others = await mesh.CountAsync(Reviews, 50, user: "alice");
        var anonymous = await mesh.CountAsync(Reviews, 50);

        Assert.True(jason.Count == 1 && jason.GetValueOrDefault("reviews-v2") == 50, Traffic.Describe(jason));
        Assert.True(others.Count == 1 && others.GetValueOrDefault("reviews-v1") == 50, Traffic.Describe(others));
        Assert.True(anonymous.Count == 1 && anonymous.GetValueOrDefault("reviews-v1") == 50, Traffic.Describe(anonymous));
    }

    [Fact]
    public async Task ReviewsJasonV2V3_JasonHeader_JasonToV2OthersToV3()
    {
        await mesh.ApplySampleAsync("virtual-service-reviews-jason-v2-v3.yaml");

        var jason = await mesh.CountAsync(Reviews, 50, user: "jason");
        var others = await mesh.CountAsync(Reviews, 50, user: "Jason");

        Assert.True(jason.Count == 1 && jason.GetValueOrDefault("reviews-v2") == 50, Traffic.Describe(jason));
        Assert.True(others.Count == 1 && others.GetValueOrDefault("reviews-v3") == 50, "exact match is case-sensitive: " + Traffic.Describe(others));
    }

    [Fact]
    public async Task RatingsTestDelay_JasonAndOthersConcurrently_OnlyJasonDelayedSevenSeconds()
    {
        await mesh.ApplySampleAsync("virtual-service-ratings-test-delay.yaml");

        var clock = Stopwatch.StartNew();
        var jason = Traffic.SendAsync(mesh.Productpage.Proxy, Ratings, user: "jason");
        var others = await mesh.CountAsync(Ratings, 20, user: "alice");
        var othersDone = clock.Elapsed;
        var jasonResult = await jason;
        var jasonDone = clock.Elapsed;

        Assert.Equal("ratings-v1", jasonResult);
        Assert.True(jasonDone >= TimeSpan.FromSeconds(7), $"jason's request took {jasonDone}");
        Assert.True(others.GetValueOrDefault("ratings-v1") == 20, Traffic.Describe(others));
        Assert.True(othersDone < TimeSpan.FromSeconds(7), $"20 requests of others took {othersDone}, so they were delayed too");
        Assert.Contains("response_flags=\"DI\"", await mesh.Productpage.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RatingsTestAbort_JasonAndOthers_Jason500FromSidecarOthers200()
    {
        await mesh.ApplySampleAsync("virtual-service-ratings-test-abort.yaml");
        var reached = mesh.App("ratings-v1").Requests;

        var jason = await mesh.CountAsync(Ratings, 30, user: "jason");
        var others = await mesh.CountAsync(Ratings, 30, user: "alice");

        Assert.True(jason.Count == 1 && jason.GetValueOrDefault("500") == 30, Traffic.Describe(jason));
        Assert.True(others.Count == 1 && others.GetValueOrDefault("ratings-v1") == 30, Traffic.Describe(others));
        Assert.Equal(reached + 30, mesh.App("ratings-v1").Requests);   // the aborted requests never left the sidecar
        Assert.Contains("response_code=\"500\",response_flags=\"FI\"", await mesh.Productpage.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FaultInjectionDetailsV1_EveryRequest_555FromSidecar()
    {
        await mesh.ApplySampleAsync("fault-injection-details-v1.yaml");
        var reached = mesh.App("details-v1").Requests + mesh.App("details-v2").Requests;

        var counts = await mesh.CountAsync("http://details:9080/details/0", 50);

        Assert.True(counts.Count == 1 && counts.GetValueOrDefault("555") == 50, Traffic.Describe(counts));
        Assert.Equal(reached, mesh.App("details-v1").Requests + mesh.App("details-v2").Requests);
        Assert.Contains("response_code=\"555\",response_flags=\"FI\"", await mesh.Productpage.MetricsAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DestinationRuleAllMtls_AppliedWithAllV1_SubsetsStillRouteAndClustersCarryIstioMutual()
    {
        try
        {
            await mesh.ApplySampleAsync("destination-rule-all-mtls.yaml");
            await mesh.ApplySampleAsync("virtual-service-all-v1.yaml");

            // productpage v1 and reviews v1 sit behind sidecars, as ISTIO_MUTUAL presumes of its peers.
            foreach (var service in (string[])["productpage", "reviews"])
            {
                var counts = await mesh.CountAsync($"http://{service}:9080/", 30);
                Assert.True(counts.Count == 1 && counts.GetValueOrDefault($"{service}-v1") == 30, $"{service}: {Traffic.Describe(counts)}");
            }

            var dump = await BookinfoMesh.ConfigDumpTextAsync(mesh.Productpage);
            Assert.Contains("outbound|9080|v3|reviews.default.svc.cluster.local", dump, StringComparison.Ordinal);
            Assert.Contains("istioMutual", dump, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            await mesh.ApplySampleAsync("destination-rule-all.yaml");
        }
    }
}
