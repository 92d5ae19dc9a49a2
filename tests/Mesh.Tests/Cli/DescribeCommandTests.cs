using System.Net.Http.Json;
using Mesh.Contracts.Protocol;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Cli;

public sealed class DescribeCommandTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>, IDisposable
{
    private readonly CliFiles _files = new();

    [Fact]
    public async Task Describe_Service_ShowsEndpointsRoutesSubsetsAndSubscribers()
    {
        const string ns = "describe";
        var meshctl = Meshctl.For(fixture.Silo);
        await GetDeleteCommandTests.ApplyAsync(meshctl, _files.Write("reviews.yaml", CliFiles.ReviewsService), ns);
        await GetDeleteCommandTests.ApplyAsync(meshctl, Path.Combine(CliFiles.SamplesDirectory, "destination-rule-all.yaml"), ns);
        await GetDeleteCommandTests.ApplyAsync(meshctl, Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-test-v2.yaml"), ns);
        var revision = await fixture.Silo.StoreRevisionAsync();
        await using var sidecar = await TestSubscriber.ConnectAsync(fixture.Silo.BaseAddress,
            new NodeInfo { Id = "productpage-describe", Namespace = ns, Service = "productpage" });
        await sidecar.WaitForAsync(s => s.Revision >= revision, TimeSpan.FromSeconds(20), $"revision {revision}");
        // The silo flushes ACKs in batches: wait until it records this subscriber's acknowledgement, not just its row.
        await Poll.UntilTrueAsync(async () =>
            {
                var subscribers = await fixture.Silo.Admin.GetFromJsonAsync<List<Mesh.Contracts.Cluster.SubscriberStatus>>("/api/v1/subscribers", Mesh.Contracts.Json.MeshJson.Options);
                return subscribers!.Any(s => s.Id == "productpage-describe" && s.AckedRevision >= revision);
            },
            TimeSpan.FromSeconds(20), () => "the silo never recorded the subscriber's acknowledgement");

        var result = await meshctl.RunAsync("describe", "service", "reviews", "-n", ns);

        Assert.True(result.ExitCode == 0, result.ToString());
        var text = result.Stdout;
        Assert.Contains("Host:            reviews.describe.svc.cluster.local", text, StringComparison.Ordinal);
        Assert.Contains($"Written by:      {fixture.Silo.SiloId} (its registry grain, active there since ", text, StringComparison.Ordinal);
        Assert.Contains("http  9080/HTTP -> 9080", text, StringComparison.Ordinal);
        Assert.Contains("Endpoints:       2 (1 healthy)", text, StringComparison.Ordinal);
        Assert.Matches(@"127\.0\.0\.2:9081\s+3\s+Unhealthy\s+version=v2", text);
        Assert.Contains("describe/reviews (hosts: reviews)", text, StringComparison.Ordinal);
        Assert.Contains("http[0]: header[end-user] = \"jason\"", text, StringComparison.Ordinal);
        Assert.Contains("-> reviews subset v2  weight 100%", text, StringComparison.Ordinal);
        Assert.Contains("http[1]: all requests", text, StringComparison.Ordinal);
        // Subsets with how many endpoints each selects, and how many of those are healthy.
        Assert.Matches(@"v1\s+version=v1\s+1\s+1", text);
        Assert.Matches(@"v2\s+version=v2\s+1\s+0", text);
        Assert.Matches(@"v3\s+version=v3\s+0\s+0", text);
        Assert.Matches(@"productpage-describe\s+\S+\s+\d+\s+SYNCED", text);
    }

    [Fact]
    public async Task Describe_MissingService_ExitsFive()
    {
        var result = await Meshctl.For(fixture.Silo).RunAsync("describe", "svc", "nothing-here", "-n", "describe-missing");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("Service 'describe-missing/nothing-here' not found", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
