using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Mesh.Bench.Push;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Bench.Health;

/// <summary>
/// Probes/s one silo sustains: N endpoints with an HTTP check every <c>interval</c> offer N / interval probes per
/// second; the target counts what arrives over a window after a warm-up. Reported beside the offered rate and the
/// silo's CPU time, so the result is a ratio, not a bare number.
/// </summary>
internal static class ProbeThroughputBench
{
    public static async Task<string> RunAsync(string siloDll, ProbeTarget target, int endpoints, TimeSpan interval, TimeSpan window)
    {
        await using var silo = await SiloHost.StartAsync(siloDll, postgres: null, new Dictionary<string, string> { ["Mesh__Health__MaxConcurrentProbes"] = "1024" });
        var service = new MeshResource
        {
            ApiVersion = ResourceKinds.MeshApiVersion,
            Kind = ResourceKinds.Service,
            Metadata = new ResourceMetadata { Name = "bench", Namespace = "default" },
            Spec = MeshJson.ToElement(new ServiceSpec
            {
                Ports = [new ServicePort { Name = "http", Port = target.Port }],
                HealthCheck = new HealthCheckSpec { Http = new HttpHealthCheck { Path = "/healthz" }, Interval = $"{interval.TotalMilliseconds}ms", Timeout = "1s" },
            }),
        };
        (await silo.Admin.PutAsJsonAsync("/api/v1/namespaces/default/services/bench", service, MeshJson.Options)).EnsureSuccessStatusCode();
        await Parallel.ForEachAsync(Enumerable.Range(0, endpoints), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var registration = new EndpointRegistration { Service = "bench", Address = ProbeTarget.Address(i), Port = target.Port };
            using var response = await silo.Admin.PutAsJsonAsync("/api/v1/namespaces/default/endpoints", registration, MeshJson.Options, ct);
            response.EnsureSuccessStatusCode();
        });

        // Warm-up: every loop has started (random first offset within one interval) and connections are open.
        await Task.Delay(TimeSpan.FromSeconds(3) + interval);
        var cpuBefore = CpuTime(silo.ProcessId);
        var probesBefore = target.Probes;
        var clock = Stopwatch.StartNew();
        await Task.Delay(window);
        var rate = (target.Probes - probesBefore) / clock.Elapsed.TotalSeconds;
        var cpu = (CpuTime(silo.ProcessId) - cpuBefore).TotalSeconds / clock.Elapsed.TotalSeconds;
        var offered = endpoints / interval.TotalSeconds;
        return string.Create(CultureInfo.InvariantCulture,
            $"probe throughput, {endpoints} endpoints every {interval.TotalMilliseconds} ms: offered {offered:F0}/s, achieved {rate:F0}/s ({rate / offered:P0}), silo CPU {cpu:F2} cores, {rate / Math.Max(cpu, 0.01):F0} probes per CPU-second");
    }

    /// <summary>User + system CPU time of a process, from /proc (Linux).</summary>
    private static TimeSpan CpuTime(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0);
    }
}
