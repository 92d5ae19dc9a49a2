using System.Text.Json;
using Mesh.Contracts.Protocol;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Cli;

public sealed class ProxyConfigCommandTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>
{
    private const string Dump = """{"revision":42,"acceptedRevision":42,"origin":"silo","subscribed":true,"config":{"clusters":[{"name":"a"},{"name":"b"}],"routes":[]}}""";

    [Fact]
    public async Task ProxyConfig_NoAdminAddress_ShowsTheSilosRecordOfTheSubscriber()
    {
        var revision = await fixture.Silo.StoreRevisionAsync();
        await using var sidecar = await TestSubscriber.ConnectAsync(fixture.Silo.BaseAddress, new NodeInfo { Id = "pc-plain", Namespace = "pc" });
        await sidecar.WaitForAsync(s => s.Revision >= revision, TimeSpan.FromSeconds(20), "the snapshot");
        var meshctl = Meshctl.For(fixture.Silo);

        var status = await Poll.UntilAsync(async () =>
        {
            var run = await meshctl.RunAsync("proxy-config", "pc-plain");
            return run.ExitCode == 0 && JsonDocument.Parse(run.Stdout).RootElement.GetProperty("ackedRevision").GetInt64() == sidecar.Revision ? run : null;
        }, TimeSpan.FromSeconds(30), () => "the silo never reported the subscriber's ACK");

        Assert.Contains("Pass --admin URL", status.Stderr, StringComparison.Ordinal);
        Assert.Contains("\"siloId\": \"" + fixture.Silo.SiloId, status.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyConfig_RealSidecar_ShowsTheRevisionItAcknowledged()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        using var files = new CliFiles();
        await using var sidecar = await SidecarProcess.StartAsync("pc-real", [fixture.Silo.BaseAddress.ToString()], files.PathOf("state.json"), null);
        var revision = await fixture.Silo.StoreRevisionAsync();
        await sidecar.WaitForRevisionAsync(revision);

        var result = await meshctl.RunAsync("proxy-config", "pc-real", "--admin", $"http://127.0.0.1:{sidecar.AdminPort}");
        var table = await meshctl.RunAsync("proxy-config", "pc-real", "--admin", $"http://127.0.0.1:{sidecar.AdminPort}", "-o", "table");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var dump = JsonDocument.Parse(result.Stdout);
        Assert.Equal(await sidecar.RevisionAsync(), dump.RootElement.GetProperty("revision").GetInt64());
        Assert.Equal(JsonValueKind.Object, dump.RootElement.GetProperty("config").ValueKind);
        Assert.Matches(@"Sidecar:\s+pc-real", table.Stdout);
        Assert.Matches(@"acceptedRevision:\s+\d+", table.Stdout);
    }

    [Fact]
    public async Task ProxyConfig_AdminFlag_PrintsTheSidecarsConfigDump()
    {
        await using var admin = await StartAdminAsync();

        var json = await new Meshctl(null, null).RunAsync("proxy-config", "any", "--admin", admin.Url);
        var table = await new Meshctl(null, null).RunAsync("proxy-config", "any", "--admin", admin.Url, "-o", "table");

        Assert.True(json.ExitCode == 0, json.ToString());
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(Dump).RootElement, JsonDocument.Parse(json.Stdout).RootElement), json.Stdout);
        Assert.Matches(@"revision:\s+42", table.Stdout);
        Assert.Matches(@"clusters:\s+2", table.Stdout);
    }

    [Fact]
    public async Task ProxyConfig_AdminLabelOnSubscriber_FetchesFromThatAddress()
    {
        await using var admin = await StartAdminAsync();
        await using var sidecar = await TestSubscriber.ConnectAsync(fixture.Silo.BaseAddress,
            new NodeInfo { Id = "pc-labelled", Namespace = "pc", Labels = new Dictionary<string, string> { ["mesh.dev/admin"] = admin.Url } });
        var meshctl = Meshctl.For(fixture.Silo);

        var result = await Poll.UntilAsync(async () => await meshctl.RunAsync("proxy-config", "pc-labelled", "-o", "yaml") is { ExitCode: 0 } r ? r : null,
            TimeSpan.FromSeconds(30), () => "proxy-config never found the subscriber");

        Assert.Contains("acceptedRevision: 42", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyConfig_UnknownSidecar_ExitsFive()
    {
        var result = await Meshctl.For(fixture.Silo).RunAsync("proxy-config", "no-such-sidecar");

        Assert.Equal(5, result.ExitCode);
        Assert.Contains("subscriber 'no-such-sidecar' is not connected to any silo", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ProxyConfig_AdminUnreachable_ExitsFour()
    {
        var result = await new Meshctl(null, null).RunAsync("proxy-config", "any", "--admin", $"http://127.0.0.1:{TestPorts.Next()}");

        Assert.Equal(4, result.ExitCode);
        Assert.Contains("(from --admin)", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A real Kestrel server answering /config_dump the way the sidecar's admin listener does.</summary>
    private static async Task<AdminServer> StartAdminAsync()
    {
        var (app, port) = await LoopbackApp.StartAsync(app => app.MapGet("/config_dump", () => Results.Text(Dump, "application/json")));
        return new AdminServer(app, $"http://127.0.0.1:{port}");
    }

    private sealed record AdminServer(WebApplication App, string Url) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => App.DisposeAsync();
    }
}
