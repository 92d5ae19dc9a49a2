using System.Net.Http.Json;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>
/// What happens to a silo's health partitions (Orleans grains with one activation each) when it dies (kill -9) or
/// leaves (SIGTERM): the survivors re-activate them, with a higher generation, and keep probing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ShardTakeoverTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Kill9_OneOfThreeSilos_OthersTakeItsPartitionsAndKeepProbing()
    {
        await using var cluster = await HealthCluster.StartAsync(await postgres.CreateDatabaseAsync("takeover"), output, silos: 3);
        await cluster.Admin.PutServiceAsync(HealthCluster.Service("web", HealthCluster.Http()));
        await cluster.WaitBalancedAsync(cluster.Silos[0], ["silo-a", "silo-b", "silo-c"], Deadline);
        var endpoints = await cluster.AddEndpointsAsync("web", 9);
        await HealthCluster.WaitProbedAsync(endpoints.Select(e => e.Upstream), 2, Deadline);

        // The victim is whichever of b and c probes more endpoints, so there is probing to take over.
        var probers = new List<string?>();
        foreach (var (_, endpoint) in endpoints)
        {
            probers.Add((await HealthCluster.ProberAsync(cluster.Silos[0], endpoint.Name)).Owner);
        }

        var victim = cluster.Silos.Skip(1).MaxBy(s => probers.Count(p => p == s.SiloId))!;
        var survivors = cluster.Silos.Where(s => s != victim).Select(s => s.SiloId).ToList();
        var before = (await HealthCluster.ShardsAsync(cluster.Silos[0])).Where(s => s.Owner == victim.SiloId).ToDictionary(s => s.Shard);
        victim.Kill();

        var after = await Poll.UntilAsync(async () =>
        {
            var shards = await HealthCluster.ShardsAsync(cluster.Silos[0]);
            return before.Keys.All(s => survivors.Contains(shards[s].Owner!)) ? shards : null;
        }, Deadline, () => "the killed silo's shards were never taken over");

        foreach (var (shard, old) in before)
        {
            // A new activation, not the old one answering late: the stored generation moved on.
            Assert.True(after[shard].Generation > old.Generation);
            Assert.True(after[shard].ActivatedAt > old.ActivatedAt);
        }

        var orphaned = new List<ProbeUpstream>();
        foreach (var (upstream, endpoint) in endpoints)
        {
            if (before.ContainsKey((await HealthCluster.ProberAsync(cluster.Silos[0], endpoint.Name)).Shard))
            {
                upstream.ResetCounts();
                orphaned.Add(upstream);
            }
        }

        await HealthCluster.WaitProbedAsync(orphaned, 2, Deadline);
        Assert.NotEmpty(orphaned);
        Assert.All(orphaned, u => Assert.DoesNotContain(victim.SiloId, u.ProbesBySilo.Keys));
    }

    [Fact]
    public async Task SigTerm_Silo_SendsReconnectHandsOverPartitionsAndLeavesMembershipBeforeExit()
    {
        await using var cluster = await HealthCluster.StartAsync(await postgres.CreateDatabaseAsync("sigterm"), output, silos: 2);
        var (leaving, staying) = (cluster.Silos[0], cluster.Silos[1]);
        await cluster.WaitBalancedAsync(staying, ["silo-a", "silo-b"], Deadline);
        await using var subscriber = await TestSubscriber.ConnectAsync(leaving.BaseAddress, new NodeInfo { Id = "drained", Namespace = "default" });
        await subscriber.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");
        var held = (await HealthCluster.ShardsAsync(staying)).Where(s => s.Owner == leaving.SiloId).ToDictionary(s => s.Shard);

        Assert.Equal(0, await leaving.Process.StopGracefullyAsync(Deadline));

        var responses = new List<Mesh.Contracts.Protocol.V1.SubscribeResponse>();
        await foreach (var response in subscriber.Responses.ReadAllAsync())
        {
            responses.Add(response);
        }

        Assert.Contains(responses, r => r.Reconnect is { Reason.Length: > 0 });
        var members = await staying.Admin.GetFromJsonAsync<List<SiloMember>>("/api/v1/members", MeshJson.Options);
        Assert.DoesNotContain(members!, m => m.Id == leaving.SiloId);
        Assert.DoesNotContain(await HealthCluster.ShardsAsync(staying), s => s.Owner == leaving.SiloId);

        var taken = await Poll.UntilAsync(async () =>
        {
            var shards = await HealthCluster.ShardsAsync(staying);
            return held.Keys.All(s => shards[s].Owner == staying.SiloId) ? shards : null;
        }, Deadline, () => "the stopped silo's shards were never taken over");
        Assert.All(held, h => Assert.True(taken[h.Key].Generation > h.Value.Generation, $"partition {h.Key} was not re-activated"));
    }
}
