using System.Diagnostics;
using System.Net.Http.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;

namespace Mesh.Bench.Push;

/// <summary>Endpoint registrations per second through the admin API (HTTP PUT) into PostgreSQL.</summary>
internal static class RegistrationBench
{
    public static async Task<double> RunAsync(SiloHost silo, int concurrency, int registrations, int run)
    {
        var next = -1;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < registrations)
            {
                var registration = new EndpointRegistration
                {
                    Service = $"svc-{i % 500}",
                    Address = $"10.{run}.{i / 250 % 250}.{i % 250}",
                    Port = 8000 + concurrency,
                    Labels = new Dictionary<string, string> { ["version"] = "v1" },
                    TtlSeconds = 600,
                };
                using var response = await silo.Admin.PutAsJsonAsync("/api/v1/namespaces/bench/endpoints", registration, MeshJson.Options);
                response.EnsureSuccessStatusCode();
            }
        }));
        return registrations / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
