namespace Mesh.Tests.Cli;

public sealed class AnalyzeCommandTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>, IDisposable
{
    private readonly CliFiles _files = new();

    [Fact]
    public async Task Analyze_UnknownSubset_ReportsIst0101ErrorAndExitsOne()
    {
        var result = await new Meshctl(null, null).RunAsync("analyze", "-f", _files.Write("subset.yaml", CliFiles.UnknownSubset));

        // istioctl's level for IST0101 is Error, so the exit code is that of an error.
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Error [IST0101] (VirtualService default/reviews) spec.http[0].route[0].destination.subset: Referenced host+subset in destinationrule not found: \"reviews+v9\"", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("subset.yaml document 3 (line 20)]", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_InvalidWeights_ReportsErrorAndExitsOne()
    {
        var result = await new Meshctl(null, null).RunAsync("analyze", "-f", _files.Write("bad.yaml", CliFiles.WeightsSum110));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Error [IST0106] (VirtualService default/bad-reviews) spec.http[0].route[1].weight: weights sum to 110, must be 100", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_MalformedYaml_ReportsErrorAndExitsOne()
    {
        var result = await new Meshctl(null, null).RunAsync("analyze", "-f", _files.Write("broken.yaml", "kind: [\n"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("broken.yaml document 1 (line", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Analyze_Cluster_ResolvesReferencesAgainstTheSilo()
    {
        const string ns = "analyze-cluster";
        var meshctl = Meshctl.For(fixture.Silo);
        var virtualService = Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-90-10.yaml");
        var offline = await meshctl.RunAsync("analyze", "-f", virtualService, "-n", ns);
        Assert.True(offline.ExitCode == 1, offline.ToString());
        Assert.Contains("destination.host: Referenced host not found: \"reviews\"", offline.Stdout, StringComparison.Ordinal);

        await GetDeleteCommandTests.ApplyAsync(meshctl, _files.Write("reviews.yaml", CliFiles.ReviewsService), ns);
        await GetDeleteCommandTests.ApplyAsync(meshctl, Path.Combine(CliFiles.SamplesDirectory, "destination-rule-all.yaml"), ns);
        var result = await meshctl.RunAsync("analyze", "--cluster", "-f", virtualService, "-n", ns);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"No validation issues found when analyzing namespace: {ns}.", result.Stdout, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
