using System.Diagnostics;
using System.Net.Http.Json;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Json;

namespace Mesh.Bench.Push;

/// <summary>
/// kill -9 of one silo of three on one PostgreSQL, several rounds: how long until Orleans declares it dead (it leaves
/// the members list), and until every health partition it held (its endpoints' probes and lease expiry) is active
/// again on a survivor, and until every service whose registry grain (its one writer) was on it takes writes again
/// through a survivor. Prints each round and the medians.
/// </summary>
internal static class KillBench
{
    public static async Task RunAsync(string siloDll, int rounds)
    {
        var dead = new List<double>();
        var partitions = new List<double>();
        var owners = new List<double>();
        await using var postgres = await Mesh.Tests.Infrastructure.PostgresServer.LaunchAsync(allowExternal: false);
        for (var round = 0; round < rounds; round++)
        {
            var database = await postgres.CreateDatabaseAsync($"bench_kill_{round}");
            var silos = new List<SiloHost>();
            try
            {
                for (var i = 0; i < 3; i++)
                {
                    silos.Add(await SiloHost.StartAsync(siloDll, database, new Dictionary<string, string> { ["Mesh__SiloId"] = $"silo-{i}" }));
                }

                var observer = silos[0];
                // Balanced first: every partition active, on all three silos.
                var before = await UntilAsync(async () =>
                {
                    var shards = await ShardsAsync(observer);
                    return shards.All(s => s.Owner is not null) && shards.Select(s => s.Owner).Distinct().Count() == 3 ? shards : null;
                }, TimeSpan.FromSeconds(60));
                var victimId = before.First(s => s.Shard == 0).Owner!;
                var victim = silos[int.Parse(victimId["silo-".Length..], System.Globalization.CultureInfo.InvariantCulture)];
                observer = silos.First(s => s != victim);
                var held = before.Where(s => s.Owner == victimId).ToDictionary(s => s.Shard);
                var owned = await OwnedByAsync(victim, victimId);

                var clock = Stopwatch.StartNew();
                Process.GetProcessById(victim.ProcessId).Kill();
                var times = await Task.WhenAll(
                    TimeAsync(clock, async () => (await MembersAsync(observer)).All(m => m.Id != victimId)),
                    TimeAsync(clock, async () =>
                    {
                        var shards = (await ShardsAsync(observer)).ToDictionary(s => s.Shard);
                        return held.All(h => shards[h.Key].Owner is { } owner && owner != victimId && shards[h.Key].Generation > h.Value.Generation);
                    }),
                    TimeAsync(clock, async () => (await Task.WhenAll(owned.Select(service => TryWriteAsync(observer, service)))).All(ok => ok)));
                dead.Add(times[0]);
                partitions.Add(times[1]);
                owners.Add(times[2]);
                Console.WriteLine($"round {round + 1}: killed {victimId} (held {held.Count} partitions, owned {owned.Count} services): declared dead after {times[0]:F0} ms, its partitions active on survivors after {times[1]:F0} ms, its services writable again after {times[2]:F0} ms");
            }
            finally
            {
                foreach (var silo in silos)
                {
                    await silo.DisposeAsync();
                }
            }
        }

        Console.WriteLine($"median over {rounds} rounds: declared dead {Median(dead):F0} ms, partitions serving again {Median(partitions):F0} ms, service owners serving again {Median(owners):F0} ms");
    }

    /// <summary>Writes 30 services through the victim (the caller's silo is where Orleans places most new activations) and keeps those it owns.</summary>
    private static async Task<List<string>> OwnedByAsync(SiloHost silo, string siloId)
    {
        var owned = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            var service = $"owned-{i}";
            if (await TryWriteAsync(silo, service)
                && (await silo.Admin.GetFromJsonAsync<OwnerView>($"/api/v1/namespaces/bench/services/{service}/owner", MeshJson.Options))!.Silo == siloId)
            {
                owned.Add(service);
            }
        }

        return owned;
    }

    /// <summary>One write of a service; false on an error or no answer within 2 s (its owner unreachable).</summary>
    private static async Task<bool> TryWriteAsync(SiloHost silo, string service)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        var body = new
        {
            apiVersion = "mesh.dev/v1",
            kind = "Service",
            metadata = new { name = service, @namespace = "bench" },
            spec = new { ports = new[] { new { name = "http", port = 8080 } } },
        };
        try
        {
            using var response = await silo.Admin.PutAsJsonAsync($"/api/v1/namespaces/bench/services/{service}", body, MeshJson.Options, timeout.Token);
            return response.IsSuccessStatusCode;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return false;
        }
    }

    private sealed record OwnerView(string Silo);

    private static async Task<double> TimeAsync(Stopwatch clock, Func<Task<bool>> condition)
    {
        await UntilAsync(async () => await condition() ? "" : null, TimeSpan.FromSeconds(60));
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout)
        where T : class
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (HttpRequestException)
            {
            }

            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException("condition not reached");
            }

            await Task.Delay(20);
        }
    }

    private static async Task<List<ShardView>> ShardsAsync(SiloHost silo) =>
        (await silo.Admin.GetFromJsonAsync<List<ShardView>>("/api/v1/shards", MeshJson.Options))!;

    private static async Task<List<SiloMember>> MembersAsync(SiloHost silo) =>
        (await silo.Admin.GetFromJsonAsync<List<SiloMember>>("/api/v1/members", MeshJson.Options))!;

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
