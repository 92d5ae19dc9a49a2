using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Mesh.Bench.Push;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Json;

namespace Mesh.Bench.Health;

/// <summary>
/// How long until a silo's shards have a new owner after it is killed (kill -9: its leases must expire) and after
/// a graceful stop (SIGTERM: it releases them). Three silos on one PostgreSQL; the time runs from the signal until a
/// survivor's /api/v1/shards shows every one of the victim's shards owned by a survivor (polled every 10 ms).
/// </summary>
internal static class TakeoverBench
{
    public static async Task<string> RunAsync(string siloDll, string database, TimeSpan lease, int rounds)
    {
        var settings = new Dictionary<string, string>
        {
            ["Mesh__Health__LeaseDuration"] = lease.ToString("c", CultureInfo.InvariantCulture),
        };
        var silos = new List<SiloHost>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                silos.Add(await SiloHost.StartAsync(siloDll, database, settings));
            }

            var killed = new List<double>();
            var stopped = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                foreach (var graceful in new[] { false, true })
                {
                    await WaitBalancedAsync(silos[0], 3);
                    var victim = silos[^1];
                    var id = await SiloIdAsync(victim);
                    var held = (await ShardsAsync(silos[0])).Where(s => s.Owner == id).Select(s => s.Shard).ToHashSet();
                    var clock = Stopwatch.StartNew();
                    Signal(victim.ProcessId, graceful ? "-TERM" : "-KILL");
                    while (!(await ShardsAsync(silos[0])).Where(s => held.Contains(s.Shard)).All(s => s.Owner is not null && s.Owner != id))
                    {
                        await Task.Delay(10);
                    }

                    (graceful ? stopped : killed).Add(clock.Elapsed.TotalSeconds);
                    await victim.DisposeAsync();
                    silos[^1] = await SiloHost.StartAsync(siloDll, database, settings);
                }
            }

            return string.Create(CultureInfo.InvariantCulture,
                $"shard takeover, 3 silos, lease {lease.TotalSeconds} s: kill -9 median {Median(killed):F2} s ({Median(killed) / lease.TotalSeconds:F2} leases; runs {string.Join(", ", killed.Select(k => k.ToString("F2", CultureInfo.InvariantCulture)))}), "
                + $"SIGTERM median {Median(stopped):F2} s ({Median(stopped) / lease.TotalSeconds:F2} leases; runs {string.Join(", ", stopped.Select(k => k.ToString("F2", CultureInfo.InvariantCulture)))})");
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    private static async Task WaitBalancedAsync(SiloHost via, int silos)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var shards = await ShardsAsync(via);
            var owners = shards.Where(s => s.Owner is not null).GroupBy(s => s.Owner).Select(g => g.Count()).ToList();
            if (shards.All(s => s.Owner is not null) && owners.Count == silos && owners.Max() - owners.Min() <= 1)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("shards never balanced");
            }

            await Task.Delay(50);
        }
    }

    private static async Task<List<ShardView>> ShardsAsync(SiloHost silo) =>
        (await silo.Admin.GetFromJsonAsync<List<ShardView>>("/api/v1/shards", MeshJson.Options))!;

    private static async Task<string> SiloIdAsync(SiloHost silo) =>
        (await silo.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/v1/revision", MeshJson.Options)).GetProperty("siloId").GetString()!;

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [signal, pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
