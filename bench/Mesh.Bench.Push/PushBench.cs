using System.Diagnostics;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Bench.Push;

/// <summary>
/// Opens N real gRPC subscribers, then times each admin write until every subscriber holds the new revision.
/// Latency per subscriber = receive time of the response carrying the write's revision minus the time the write was sent.
/// </summary>
internal static class PushBench
{
    public static async Task<string> RunAsync(SiloHost silo, int count, int rounds)
    {
        var clients = new PushClient[count];
        for (var i = 0; i < count; i += 200)
        {
            await Task.WhenAll(Enumerable.Range(i, Math.Min(200, count - i)).Select(async j => clients[j] = await PushClient.ConnectAsync(silo.Port, $"bench-{count}-{j}")));
        }

        await Task.WhenAll(clients.Select(c => c.FirstResponse));
        var rssMegabytes = silo.RssBytes / (1024.0 * 1024.0);
        var p99s = new List<double>();
        var alls = new List<double>();
        var p50s = new List<double>();
        var siloCpu = new List<double>();
        var benchCpu = new List<double>();
        var self = Environment.ProcessId;
        // Unmeasured writes first: steady state, not tier-0 JIT code, is what the bar is about. MESH_BENCH_WARMUP sets
        // how many (default 2).
        var warmup = int.TryParse(Environment.GetEnvironmentVariable("MESH_BENCH_WARMUP"), out var w) ? w : 2;
        for (var round = -warmup; round < rounds; round++)
        {
            var siloCpuBefore = ProcessMemory.CpuTime(silo.ProcessId);
            var benchCpuBefore = ProcessMemory.CpuTime(self);
            var started = Stopwatch.GetTimestamp();
            var service = new MeshResource
            {
                ApiVersion = ResourceKinds.MeshApiVersion,
                Kind = ResourceKinds.Service,
                Metadata = new ResourceMetadata { Name = $"push-{count}-{round}", Namespace = "bench" },
                Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] }),
            };
            using var response = await silo.Admin.PutAsJsonAsync($"/api/v1/namespaces/bench/services/{service.Metadata.Name}", service, MeshJson.Options);
            response.EnsureSuccessStatusCode();
            var revision = (await response.Content.ReadFromJsonAsync<MeshResource>(MeshJson.Options))!.Version;
            var latencies = await Task.WhenAll(clients.Select(c => c.WaitForRevisionAsync(revision, started)));
            Array.Sort(latencies);
            // Where the 2 cores went during this write: the silo's push against the benchmark's own subscribers.
            var siloCpuMs = (ProcessMemory.CpuTime(silo.ProcessId) - siloCpuBefore).TotalMilliseconds;
            var benchCpuMs = (ProcessMemory.CpuTime(self) - benchCpuBefore).TotalMilliseconds;
            if (round < 0)
            {
                continue;
            }

            p50s.Add(latencies[latencies.Length / 2]);
            p99s.Add(latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1]);
            alls.Add(latencies[^1]);
            siloCpu.Add(siloCpuMs);
            benchCpu.Add(benchCpuMs);
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        return $"push to {count} subscribers ({rounds} writes): median over writes of p50 {Median(p50s):F1} ms, p99 {Median(p99s):F1} ms, all {Median(alls):F1} ms; worst write p99 {p99s.Max():F1} ms; silo RSS with them connected {rssMegabytes:F0} MB; CPU per write: silo {Median(siloCpu):F0} ms, benchmark subscribers {Median(benchCpu):F0} ms";
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}
