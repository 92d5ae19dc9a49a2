using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Cli;

public sealed class ConnectionSettingsTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>, IDisposable
{
    private static readonly string Sample = Path.Combine(CliFiles.SamplesDirectory, "virtual-service-reviews-90-10.yaml");
    private readonly CliFiles _files = new();

    [Fact]
    public async Task Apply_WithoutToken_Exits1WithClear401AndWritesNothing()
    {
        var before = await fixture.Silo.StoreRevisionAsync();

        var result = await Meshctl.For(fixture.Silo, token: null).RunAsync("apply", "-f", Path.Combine(CliFiles.SamplesDirectory, "destination-rule-all.yaml"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Error from server (Unauthorized, 401): a bearer token is required", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("No token is configured: pass --token, set MESH_TOKEN", result.Stderr, StringComparison.Ordinal);
        // A refused token stops the batch: one message, not one per document.
        Assert.Single(result.Stderr.Split('\n'), l => l.Contains("401", StringComparison.Ordinal));
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
    }

    [Fact]
    public async Task Delete_WrongToken_Exits1AndNeverPrintsTheToken()
    {
        const string token = "not-the-admin-token-4711";

        var result = await Meshctl.For(fixture.Silo, token).RunAsync("delete", "vs", "reviews", "--server", fixture.Silo.BaseAddress.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the bearer token is not valid", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(token, result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ServerDown_ExitsFour()
    {
        var result = await new Meshctl(new Uri($"http://127.0.0.1:{TestPorts.Next()}"), "t").RunAsync("apply", "-f", Sample);

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("cannot reach the silo at http://127.0.0.1:", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("(from MESH_SERVER)", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ConfigFile_SuppliesServerAndToken()
    {
        var config = _files.Write("config.yaml", $"server: {fixture.Silo.BaseAddress}\ntoken: {SiloProcess.AdminToken}\n");
        var meshctl = new Meshctl(null, null);
        meshctl.Environment["MESH_CONFIG"] = config;

        var result = await meshctl.RunAsync("apply", "-f", Sample, "-n", "config-file");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(0, (await meshctl.RunAsync("get", "vs", "reviews", "-n", "config-file")).ExitCode);
    }

    [Fact]
    public async Task Get_HomeConfigFile_IsUsedAndFlagsWin()
    {
        var home = Directory.CreateTempSubdirectory("meshctl-home-");
        try
        {
            Directory.CreateDirectory(Path.Combine(home.FullName, ".mesh"));
            await File.WriteAllTextAsync(Path.Combine(home.FullName, ".mesh", "config.yaml"), $"server: http://127.0.0.1:{TestPorts.Next()}\n");
            var meshctl = new Meshctl(null, null);
            meshctl.Environment["HOME"] = home.FullName;

            var fromFile = await meshctl.RunAsync("get", "members");
            var fromFlag = await meshctl.RunAsync("get", "members", "--server", fixture.Silo.BaseAddress.ToString());

            Assert.Equal(4, fromFile.ExitCode);
            Assert.Contains(".mesh/config.yaml", fromFile.Stderr, StringComparison.Ordinal);
            Assert.True(fromFlag.ExitCode == 0, fromFlag.ToString());
            Assert.Contains(fixture.Silo.SiloId, fromFlag.Stdout, StringComparison.Ordinal);
        }
        finally
        {
            home.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Get_MalformedConfigFile_ExitsOneNamingTheFile()
    {
        var meshctl = new Meshctl(null, null);
        meshctl.Environment["MESH_CONFIG"] = _files.Write("broken-config.yaml", "server: [\n");

        var result = await meshctl.RunAsync("get", "vs");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("broken-config.yaml", result.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => _files.Dispose();
}
