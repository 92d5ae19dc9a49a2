using System.Text.Json;
using Mesh.Istio.Yaml;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Cli;

public sealed class GetDeleteCommandTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>
{
    private static readonly string DestinationRules = Path.Combine(CliFiles.SamplesDirectory, "destination-rule-all.yaml");

    [Fact]
    public async Task Get_Table_PrintsAlignedColumns()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        await ApplyAsync(meshctl, DestinationRules, "get-table");

        var result = await meshctl.RunAsync("get", "destinationrules", "-n", "get-table");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Stdout.TrimEnd().Split('\n');
        Assert.Equal(["NAME", "HOST", "SUBSETS", "VERSION"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(5, lines.Length);
        Assert.Contains(lines, l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries) is ["reviews", "reviews", "v1,v2,v3", _]);
        // Aligned: every row's HOST column starts where the header's does.
        var hostColumn = lines[0].IndexOf("HOST", StringComparison.Ordinal);
        Assert.All(lines.Skip(1), l => Assert.NotEqual(' ', l[hostColumn]));
        Assert.All(lines.Skip(1), l => Assert.Equal(' ', l[hostColumn - 1]));
    }

    [Fact]
    public async Task Get_Selector_ListsOnlyMatchingLabels_AndABadSelectorIsTheSilosMessage()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        var admin = fixture.Silo.Admin;
        await admin.PutServiceAsync(TestResources.Service("selected", ns: "get-selector"));
        foreach (var (address, version) in new[] { ("10.1.0.1", "v1"), ("10.1.0.2", "v2"), ("10.1.0.3", "v2") })
        {
            await admin.RegisterAsync(new Mesh.Contracts.Domains.EndpointRegistration
            {
                Service = "selected",
                Address = address,
                Port = 9080,
                Labels = new Dictionary<string, string> { ["version"] = version },
            }, "get-selector");
        }

        var v2 = await meshctl.RunAsync("get", "endpoints", "-n", "get-selector", "-l", "version=v2");
        var bad = await meshctl.RunAsync("get", "endpoints", "-n", "get-selector", "-l", "version");

        Assert.True(v2.ExitCode == 0, v2.ToString());
        var rows = v2.Stdout.TrimEnd().Split('\n').Skip(1).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, r => Assert.DoesNotContain("10.1.0.1", r, StringComparison.Ordinal));
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("labelSelector", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_AllNamespaces_AddsNamespaceColumn()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        await ApplyAsync(meshctl, DestinationRules, "get-all-a");
        await ApplyAsync(meshctl, DestinationRules, "get-all-b");

        var result = await meshctl.RunAsync("get", "dr", "-A");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("NAMESPACE", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(result.Stdout.Split('\n'), l => l.StartsWith("get-all-a ", StringComparison.Ordinal) && l.Contains("ratings", StringComparison.Ordinal));
        Assert.Contains(result.Stdout.Split('\n'), l => l.StartsWith("get-all-b ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_Yaml_ReadsBackAsTheSameResource()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        await ApplyAsync(meshctl, Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-jason-v2-v3.yaml"), "get-yaml");

        var result = await meshctl.RunAsync("get", "vs", "reviews", "-n", "get-yaml", "-o", "yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        var read = Assert.Single(ResourceDocumentReader.Read(result.Stdout));
        Assert.Equal("VirtualService", read.Kind);
        Assert.Equal("get-yaml", read.Metadata.Namespace);
        Assert.Equal("jason", read.Spec.GetProperty("http")[0].GetProperty("match")[0].GetProperty("headers").GetProperty("end-user").GetProperty("exact").GetString());
    }

    [Fact]
    public async Task Get_JsonList_IsAKubernetesList()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        await ApplyAsync(meshctl, DestinationRules, "get-json");

        var result = await meshctl.RunAsync("get", "dr", "-n", "get-json", "-o", "json");

        using var list = JsonDocument.Parse(result.Stdout);
        Assert.Equal("List", list.RootElement.GetProperty("kind").GetString());
        Assert.Equal(["details", "productpage", "ratings", "reviews"],
            list.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Get_YamlList_ReadsBackAsTheResources()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        await ApplyAsync(meshctl, DestinationRules, "get-yaml-list");

        var result = await meshctl.RunAsync("get", "destinationrule.networking.istio.io", "-n", "get-yaml-list", "-o", "yaml");

        Assert.True(result.ExitCode == 0, result.ToString());
        var read = ResourceDocumentReader.Read(result.Stdout);
        Assert.Equal(4, read.Count);
        Assert.All(read, r => Assert.Equal("get-yaml-list", r.Metadata.Namespace));
    }

    [Fact]
    public async Task Get_Members_ListsTheSiloInATable()
    {
        var result = await Meshctl.For(fixture.Silo).RunAsync("get", "members");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("ID ", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("LAST I-AM-ALIVE", result.Stdout, StringComparison.Ordinal);
        Assert.Contains(result.Stdout.Split('\n'), l => l.StartsWith(fixture.Silo.SiloId + " ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Get_MissingName_ExitsFiveWithServerMessage()
    {
        var result = await Meshctl.For(fixture.Silo).RunAsync("get", "vs", "nope", "-n", "get-missing");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("Error from server (NotFound, 404): VirtualService 'get-missing/nope' not found", result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "get", "foo")]
    [InlineData(2, "get")]
    [InlineData(2, "frobnicate")]
    [InlineData(2, "get", "vs", "--bogus")]
    [InlineData(2, "get", "vs", "-o", "xml")]
    public async Task Get_BadCommandLine_ExitsWithUsageOrUserError(int exitCode, params string[] args)
    {
        var result = await Meshctl.For(fixture.Silo).RunAsync(args);

        Assert.True(exitCode == result.ExitCode, result.ToString());
        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_ByName_RemovesTheResource()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        await ApplyAsync(meshctl, DestinationRules, "delete-name");

        var result = await meshctl.RunAsync("delete", "dr", "reviews", "ratings", "-n", "delete-name");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("destinationrule.networking.istio.io \"reviews\" deleted", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(5, (await meshctl.RunAsync("get", "dr", "reviews", "-n", "delete-name")).ExitCode);
        Assert.Equal(0, (await meshctl.RunAsync("get", "dr", "details", "-n", "delete-name")).ExitCode);
        Assert.Equal(5, (await meshctl.RunAsync("delete", "dr", "reviews", "-n", "delete-name")).ExitCode);
    }

    [Fact]
    public async Task Delete_FromFile_RemovesEveryResourceInIt()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        using var services = new CliFiles();
        var path = services.Write("reviews.yaml", CliFiles.ReviewsService);
        await ApplyAsync(meshctl, path, "delete-file");

        var result = await meshctl.RunAsync("delete", "-f", path, "-n", "delete-file");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("endpoint.mesh.dev \"reviews.127.0.0.2.9081\" deleted", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("No services found", (await meshctl.RunAsync("get", "svc", "-n", "delete-file")).Stderr, StringComparison.Ordinal);
        Assert.Contains("No endpoints found", (await meshctl.RunAsync("get", "ep", "-n", "delete-file")).Stderr, StringComparison.Ordinal);
    }

    internal static async Task ApplyAsync(Meshctl meshctl, string path, string ns)
    {
        var result = await meshctl.RunAsync("apply", "-f", path, "-n", ns);
        Assert.True(result.ExitCode == 0, result.ToString());
    }
}
