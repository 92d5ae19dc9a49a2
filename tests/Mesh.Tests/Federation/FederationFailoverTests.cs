using System.Diagnostics;
using Mesh.Contracts.Federation;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit.Abstractions;

namespace Mesh.Tests.Federation;

/// <summary>
/// Three peered clusters: c1 and c2 in region r1, c3 in r2, an echo replica in each and a client in c1 under steady
/// traffic. Locality failover moves the client's traffic to the nearest healthy cluster and back.
/// </summary>
public sealed class FederationFailoverTests(ITestOutputHelper output)
{
    [Fact]
    public async Task LocalReplicasKilled_TrafficMovesToTheSameRegionPeerNeverTheOtherRegion_AndReturnsWhenTheyRecover()
    {
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        await using var c3 = await FederatedCluster.StartAsync("c3", "r2", "z3", output);
        await PeerAsync(c1, c2, c3);
        await c1.Bed.ApplyAsync(IstioResources.DestinationRule("echo", new
        {
            host = "echo",
            trafficPolicy = new
            {
                outlierDetection = new { consecutiveGatewayErrors = 1, consecutive5xxErrors = 1, interval = "1s", baseEjectionTime = "30s", maxEjectionPercent = 100 },
            },
        }));
        var client = await c1.StartClientAsync();
        await Poll.UntilTrueAsync(async () => (await client.Proxy.GetAsync("http://echo:9080/")).IsSuccessStatusCode, TimeSpan.FromSeconds(30), () => "echo never answered in c1");
        // Both peers' imports reached the client: its cluster has three localities.
        await Poll.UntilTrueAsync(async () => (await client.Admin.GetStringAsync("/config_dump")).Split("\"peer\":").Length - 1 >= 2, TimeSpan.FromSeconds(30),
            () => "the client never received both peers' endpoints");

        await using var load = new LoadLoop(client.Proxy, "http://echo:9080/", concurrency: 2);
        await load.WaitForMoreAsync(50);
        Assert.Equal(["c1"], load.Versions.Keys);

        // Every echo replica of c1 dies.
        var before = load.Succeeded;
        var failuresBefore = load.Failures.Count;
        c1.Echo!.Process.Kill();
        var killed = Stopwatch.StartNew();
        load.ResetVersions();
        await Poll.UntilTrueAsync(() => Task.FromResult(load.Versions.ContainsKey("c2")), TimeSpan.FromSeconds(5),
            () => $"traffic did not move to c2 within 5 s: {string.Join(", ", load.Versions)}; failures: {string.Join(" | ", load.Failures.Take(5))}");
        output.WriteLine($"first answer from c2 {killed.ElapsedMilliseconds} ms after the kill");
        await load.WaitForMoreAsync(200);
        Assert.DoesNotContain("c3", load.Versions.Keys);
        var served = load.Succeeded - before;
        var failed = load.Failures.Count - failuresBefore;
        output.WriteLine($"during failover: {served} succeeded, {failed} failed ({string.Join(" | ", load.Failures.Take(5))})");
        Assert.True(failed * 100 <= (served + failed), $"{failed} of {served + failed} requests failed across the failover (more than 1 %)");

        // c1's replica comes back (a new process, a new endpoint): traffic returns to the local locality.
        await c1.StartEchoAsync();
        load.ResetVersions();
        await Poll.UntilTrueAsync(() => Task.FromResult(load.Versions.ContainsKey("c1")), TimeSpan.FromSeconds(30),
            () => $"traffic never returned to c1: {string.Join(", ", load.Versions)}");
        load.ResetVersions();
        await load.WaitForMoreAsync(100);
        Assert.Equal(["c1"], load.Versions.Keys);
        Assert.DoesNotContain("c3", load.Versions.Keys);
    }

    [Fact]
    public async Task APeersDeadGateway_IsNeverChosen_TrafficGoesToTheNextLocality_AndReturnsWhenItAnswers()
    {
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        await using var c3 = await FederatedCluster.StartAsync("c3", "r2", "z3", output);
        await PeerAsync(c1, c2, c3);
        var client = await c1.StartClientAsync();
        // No DestinationRule, so no outlier detection: only the gateway probes keep traffic off a dead gateway.
        await AnswersFromAsync(client, "c2");

        // c2's gateway dies while its control plane keeps talking (the case of istio#35082).
        c2.Gateway.Process.Kill();
        await c1.WaitForPeeringAsync("c2", p => p is { GatewayReachable: false, State: PeeringStates.Active }, "active, its gateway unreachable");
        await AnswersFromAsync(client, "c3");
        for (var i = 0; i < 30; i++)
        {
            using var response = await client.Proxy.GetAsync("http://echo:9080/");
            Assert.Equal("200 c3", $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await c2.StartGatewayAsync();
        await c1.WaitForPeeringAsync("c2", p => p.GatewayReachable, "with its gateway reachable again");
        await AnswersFromAsync(client, "c2");
    }

    /// <summary>c1 peers with c2 and c3 and imports echo from both.</summary>
    private static async Task PeerAsync(FederatedCluster c1, FederatedCluster c2, FederatedCluster c3)
    {
        foreach (var peer in new[] { c2, c3 })
        {
            await c1.PeerWithAsync(peer);
            await c1.WaitForPeeringAsync(peer.Name, p => p is { State: PeeringStates.Active, ImportedServices: 1 }, "active with echo imported");
        }
    }

    private static Task AnswersFromAsync(Sidecar.SidecarProcess client, string cluster)
    {
        string? last = null;
        return Poll.UntilTrueAsync(async () =>
        {
            using var response = await client.Proxy.GetAsync("http://echo:9080/");
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            return last == "200 " + cluster;
        }, TimeSpan.FromSeconds(30), () => $"echo never answered from {cluster}; last: {last}");
    }
}
