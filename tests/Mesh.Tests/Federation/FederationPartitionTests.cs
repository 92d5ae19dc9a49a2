using System.Diagnostics;
using System.Text.Json;
using Mesh.Contracts.Federation;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Federation;

/// <summary>
/// Partitions of the peering stream, made by a relay in front of c1's silo that stops copying one way or both:
/// peers go Stale, keep serving their imports, and resync by themselves when the path heals, with nothing rewritten
/// that did not change.
/// </summary>
public sealed class FederationPartitionTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TwoWayThenOneWayPartition_PeersGoStale_ImportsConvergeAfterHealing_WithoutRestartOrFlapping()
    {
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false, peeringRelay: true);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        await c1.PeerWithAsync(c2);
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, ImportedServices: 1 }, "active with echo imported");
        var relay = c1.PeeringRelay!;

        // Two-way: both sides go Stale and keep what they imported.
        relay.Pause();
        var cut = Stopwatch.StartNew();
        await c1.WaitForPeeringAsync("c2", p => p.State == PeeringStates.Stale, "stale");
        await c2.WaitForPeeringAsync("c1", p => p.State == PeeringStates.Stale, "stale");
        output.WriteLine($"both stale {cut.ElapsedMilliseconds} ms after the cut");
        Assert.Equal(1, Healthy(await c1.ImportedAsync("c2")));

        // c2 scales echo while cut off; after healing c1 converges on it without anyone restarting anything.
        await c2.StartEchoAsync(another: true);
        relay.Resume();
        var healed = Stopwatch.StartNew();
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, Connected: true }, "active again");
        await c2.WaitForPeeringAsync("c1", p => p is { State: PeeringStates.Active, Connected: true }, "active again");
        await Poll.UntilTrueAsync(async () => Healthy(await c1.ImportedAsync("c2")) == 2, Deadline, () => "c1 never saw c2's second replica after healing");
        output.WriteLine($"converged {healed.ElapsedMilliseconds} ms after healing");
        var version = Version(await c1.ImportedAsync("c2"));

        // One-way: what c1 sends is lost, c2's messages still arrive. c2 goes Stale; then the path heals.
        relay.Pause(toTarget: false, fromTarget: true);
        await c2.WaitForPeeringAsync("c1", p => p.State == PeeringStates.Stale, "stale (one-way)");
        relay.Resume();
        await c2.WaitForPeeringAsync("c1", p => p is { State: PeeringStates.Active, Connected: true }, "active after the one-way cut");
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, Connected: true }, "active after the one-way cut");

        // Nothing flapped: the same exports re-sent over new streams left the import untouched.
        var imported = await c1.ImportedAsync("c2");
        Assert.Equal(2, Healthy(imported));
        Assert.Equal(version, Version(imported));
        Assert.True(relay.Connections >= 3, $"the dialer reconnected {relay.Connections - 1} time(s); expected a new stream after each cut");
    }

    private static int Healthy(JsonElement imported) =>
        imported.EnumerateArray().Sum(s => s.GetProperty("localities").EnumerateArray().Sum(l => l.GetProperty("healthy").GetInt32()));

    private static long Version(JsonElement imported) => imported.EnumerateArray().Single().GetProperty("resourceVersion").GetInt64();
}
