using System.Net.Http.Json;
using System.Diagnostics;
using Mesh.Contracts.Federation;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Federation;

/// <summary>A cluster on PostgreSQL restarted while its peer is down: ready at once, its peering and imports kept.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FederationRestartTests(PostgresFixture postgres, ITestOutputHelper output)
{
    [Fact]
    public async Task RestartWhileThePeerIsDown_IsReadyInUnderTenSeconds_WithPeeringAndImportsKept()
    {
        var database = await postgres.CreateDatabaseAsync("fed_c1");
        // A silo restarted on its host keeps its Orleans port: Orleans then declares the killed incarnation dead as the
        // new one joins, instead of waiting to find it unreachable.
        var orleans = new Dictionary<string, string?> { ["Mesh__Orleans__SiloPort"] = TestPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture) };
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false, postgres: database, extraSettings: orleans);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        // c1 redeems c2's token, so after the restart c1 is the side that keeps dialing a dead peer.
        await c2.PeerWithAsync(c1);
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, ImportedServices: 1, Role: "dialer" }, "active with echo imported");

        c2.Silo.Process.Kill();
        c1.Silo.Process.Kill();
        var restart = Stopwatch.StartNew();
        var settings = FederatedCluster.Settings("c1", c1.GatewayPort);
        settings["Mesh__Orleans__SiloPort"] = orleans["Mesh__Orleans__SiloPort"];
        await using var restarted = await SiloProcess.StartAsync(database, log: output, settings: settings);
        var ready = restart.Elapsed;
        output.WriteLine($"c1 ready {ready.TotalMilliseconds:0} ms after its restart, with its peer down");
        Assert.True(ready < TimeSpan.FromSeconds(10), $"c1 took {ready.TotalSeconds:0.0} s to be ready with its peer down");

        // The peering and the import came back from the database; the dialer reports why it cannot reach c2.
        PeeringView? view = null;
        await Poll.UntilTrueAsync(async () =>
        {
            view = (await restarted.Admin.GetFromJsonAsync<List<PeeringView>>("/api/v1/peerings", Contracts.Json.MeshJson.Options))!.Single();
            return view is { Name: "c2", ImportedServices: 1, Connected: false, LastError: not null };
        }, TimeSpan.FromSeconds(20), () => $"the restarted silo's peering: {System.Text.Json.JsonSerializer.Serialize(view)}");
        Assert.NotEqual(PeeringStates.Expired, view!.State);
    }

    [Fact]
    public async Task TheSiloHoldingTheStreamKilled_ASurvivorReopensIt_AndExportsKeepArriving()
    {
        var database = await postgres.CreateDatabaseAsync("fed_c1");
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false, postgres: database, silos: 2);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        await c2.PeerWithAsync(c1);
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, Connected: true, ImportedServices: 1, Role: "dialer" }, "active and connected");

        var holder = (await c1.PeeringAsync("c2")).Silo;
        var victim = c1.Bed.Silos.Single(s => s.SiloId == holder);
        var survivor = c1.Bed.Silos.Single(s => s != victim);
        victim.Process.Kill();
        var killed = Stopwatch.StartNew();
        PeeringView? view = null;
        await Poll.UntilTrueAsync(async () =>
        {
            view = (await survivor.Admin.GetFromJsonAsync<List<PeeringView>>("/api/v1/peerings", Contracts.Json.MeshJson.Options))!.Single();
            return view is { Connected: true, State: PeeringStates.Active } && view.Silo == survivor.SiloId;
        }, TimeSpan.FromSeconds(30), () => $"no survivor re-opened the stream: {System.Text.Json.JsonSerializer.Serialize(view)}");
        output.WriteLine($"stream re-opened from {survivor.SiloId} {killed.ElapsedMilliseconds} ms after {holder} was killed");

        // What c2 exports from now on still arrives.
        await c2.StartEchoAsync(another: true);
        await Poll.UntilTrueAsync(async () =>
        {
            var detail = await survivor.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/peerings/c2", Contracts.Json.MeshJson.Options);
            return detail.GetProperty("imported").EnumerateArray().Sum(s => s.GetProperty("localities").EnumerateArray().Sum(l => l.GetProperty("healthy").GetInt32())) == 2;
        }, TimeSpan.FromSeconds(30), () => "c2's second replica never reached c1 after the stream moved");
    }
}
