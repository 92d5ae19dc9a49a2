using System.Text.Json;
using Mesh.Istio.Yaml;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Cli;

public sealed class ApplyCommandTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>, IDisposable
{
    private readonly CliFiles _files = new();

    public static TheoryData<string> Samples() =>
        [.. Directory.EnumerateFiles(CliFiles.SamplesDirectory, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(Samples))]
    public async Task Apply_IstioSampleUnchanged_SucceedsAndEveryResourceIsRetrievable(string sample)
    {
        var ns = "s-" + Path.GetFileNameWithoutExtension(sample);
        var path = Path.Combine(CliFiles.SamplesDirectory, sample);
        var meshctl = Meshctl.For(fixture.Silo);

        var result = await meshctl.RunAsync("apply", "-f", path, "-n", ns);

        Assert.True(result.ExitCode == 0, result.ToString());
        // Names repeat inside a file (Istio's samples do that); the last document of each name is what is stored.
        var expected = ResourceDocumentReader.Read(await File.ReadAllTextAsync(path)).GroupBy(r => (r.Kind, r.Metadata.Name)).Select(g => g.Last());
        foreach (var resource in expected)
        {
            Assert.Contains($"{resource.Kind.ToLowerInvariant()}.", result.Stdout, StringComparison.Ordinal);
            var get = await meshctl.RunAsync("get", resource.Kind, resource.Metadata.Name, "-n", ns, "-o", "json");
            Assert.True(get.ExitCode == 0, get.ToString());
            using var stored = JsonDocument.Parse(get.Stdout);
            Assert.Equal(ns, stored.RootElement.GetProperty("metadata").GetProperty("namespace").GetString());
            Assert.True(JsonElement.DeepEquals(resource.Spec, stored.RootElement.GetProperty("spec")), $"{resource.Kind}/{resource.Metadata.Name} differs:\n{get.Stdout}");
        }
    }

    [Fact]
    public async Task Apply_Directory_AppliesEverySampleFile()
    {
        var result = await Meshctl.For(fixture.Silo).RunAsync("apply", "-f", CliFiles.SamplesDirectory, "-n", "samples-dir");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("gateway.networking.istio.io/bookinfo-gateway created", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("virtualservice.networking.istio.io/reviews configured", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_WeightsSumTo110_ExitsOneWithFieldPathAndWritesNothing()
    {
        var before = await fixture.Silo.StoreRevisionAsync();
        var path = _files.Write("bad.yaml", CliFiles.WeightsSum110);
        var meshctl = Meshctl.For(fixture.Silo);

        var result = await meshctl.RunAsync("apply", "-f", path, "-n", "bad-weights");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("document 2 (line 8)", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("VirtualService bad-weights/bad-reviews: spec.http[0].route[1].weight: weights sum to 110, must be 100", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("nothing was applied", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
        Assert.Equal(5, (await meshctl.RunAsync("get", "dr", "valid-rule", "-n", "bad-weights")).ExitCode);
    }

    [Fact]
    public async Task Apply_FromStdin_CreatesResources()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        var yaml = await File.ReadAllTextAsync(Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-90-10.yaml"));

        var result = await meshctl.RunWithInputAsync(yaml, "apply", "-f", "-", "-n", "stdin");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("virtualservice.networking.istio.io/reviews created", result.Stdout.Trim());
        Assert.Equal(0, (await meshctl.RunAsync("get", "vs", "reviews", "-n", "stdin")).ExitCode);
    }

    [Fact]
    public async Task Apply_SameFileTwice_SecondIsUnchangedAndWritesNothing()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        var path = Path.Combine(CliFiles.SamplesDirectory, "destination-rule-all.yaml");
        await meshctl.RunAsync("apply", "-f", path, "-n", "twice");
        var before = await fixture.Silo.StoreRevisionAsync();

        var second = await meshctl.RunAsync("apply", "-f", path, "-n", "twice");

        Assert.True(second.ExitCode == 0, second.ToString());
        Assert.Contains("destinationrule.networking.istio.io/reviews unchanged", second.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("configured", second.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
    }

    [Fact]
    public async Task Apply_ChangedSpec_SaysConfigured()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        await meshctl.RunAsync("apply", "-f", Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-90-10.yaml"), "-n", "changed");

        var result = await meshctl.RunAsync("apply", "-f", Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-50-v3.yaml"), "-n", "changed");

        Assert.Equal("virtualservice.networking.istio.io/reviews configured", result.Stdout.Trim());
    }

    [Fact]
    public async Task Apply_StaleResourceVersion_ExitsOneWithConflict()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        var path = Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-90-10.yaml");
        await meshctl.RunAsync("apply", "-f", path, "-n", "conflict");
        using var current = JsonDocument.Parse((await meshctl.RunAsync("get", "vs", "reviews", "-n", "conflict", "-o", "json")).Stdout);
        var stale = current.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetInt64() + 1000;
        var yaml = (await File.ReadAllTextAsync(path)).Replace("  name: reviews\n", $"  name: reviews\n  resourceVersion: \"{stale}\"\n", StringComparison.Ordinal);

        var result = await meshctl.RunWithInputAsync(yaml, "apply", "-f", "-", "-n", "conflict");

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Error from server (Conflict, 409)", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_DryRun_ValidatesAndSendsNothing()
    {
        var before = await fixture.Silo.StoreRevisionAsync();

        var result = await Meshctl.For(fixture.Silo).RunAsync("apply", "--dry-run", "-f", Path.Combine(CliFiles.SamplesDirectory, "destination-rule-all.yaml"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("destinationrule.networking.istio.io/reviews valid (dry run)", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
    }

    [Fact]
    public async Task Apply_FieldAcceptedButNotEnforced_PrintsAWarningNamingItAndStillApplies()
    {
        var path = _files.Write("delay-without-fixed.yaml", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata:
              name: warned
              namespace: warnings
            spec:
              hosts: [ratings]
              http:
              - fault:
                  delay:
                    percentage: { value: 10 }
                route:
                - destination: { host: ratings }
            """);

        var result = await Meshctl.For(fixture.Silo).RunAsync("apply", "-f", path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Warning: ", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("VirtualService warnings/warned: spec.http[0].fault.delay: accepted, not enforced", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("virtualservice.networking.istio.io/warned created", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_MalformedYaml_ReportsDocumentAndLineWithoutStackTrace()
    {
        var path = _files.Write("malformed.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: ok\nspec: {}\n---\nkind: VirtualService\n  bad: [\n");

        var result = await Meshctl.For(fixture.Silo).RunAsync("apply", "-f", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("malformed.yaml document 2 (line 8): invalid YAML", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_UnknownKindAndMissingFile_ReportsBothAndExitsOne()
    {
        var path = _files.Write("foo.yaml", "apiVersion: example.com/v1\nkind: Foo\nmetadata:\n  name: x\nspec: {}\n");

        var result = await Meshctl.For(fixture.Silo).RunAsync("apply", "-f", path, "-f", "/nonexistent/file.yaml");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("2 problems found", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("kind: \"Foo\" is not a known kind", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("/nonexistent/file.yaml: no such file or directory", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_NamespaceFlagDisagreesWithDocument_ExitsOne()
    {
        var path = _files.Write("ns.yaml", "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n  name: gw\n  namespace: other\nspec: {}\n");

        var result = await Meshctl.For(fixture.Silo).RunAsync("apply", "-f", path, "-n", "mine");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("does not match the namespace given with -n", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
