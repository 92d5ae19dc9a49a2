using System.Diagnostics;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres;
using Mesh.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Bench.Storage;

/// <summary>N endpoint registrations (leased upserts, one per request) from C concurrent callers into a fresh database.</summary>
internal sealed class RegistrationBench(PostgresServer server, BenchOptions options)
{
    public async Task<double> MeasureAsync(string label, int maxBatchSize, int registrations)
    {
        var rates = new List<double>();
        for (var run = 1; run <= options.Runs; run++)
        {
            var database = await server.CreateDatabaseAsync($"bench_{Guid.NewGuid():N}");
            await using var store = new PostgresMeshStore(
                new PostgresStoreOptions { ConnectionString = database, MaxBatchSize = maxBatchSize },
                TimeProvider.System,
                NullLogger<PostgresMeshStore>.Instance);
            await store.InitializeAsync(CancellationToken.None);

            var next = -1;
            var lease = DateTimeOffset.UtcNow.AddMinutes(5);
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, options.Concurrency).Select(_ => Task.Run(async () =>
            {
                for (var i = Interlocked.Increment(ref next); i < registrations; i = Interlocked.Increment(ref next))
                {
                    await store.WriteAsync([ResourceWrite.Upsert(Endpoint(i), leaseExpiresAt: lease)], CancellationToken.None);
                }
            })));
            clock.Stop();

            var revision = await store.GetRevisionAsync(CancellationToken.None);
            if (revision != registrations)
            {
                throw new InvalidOperationException($"expected revision {registrations}, store is at {revision}");
            }

            var rate = registrations / clock.Elapsed.TotalSeconds;
            rates.Add(rate);
            Console.WriteLine($"{label} run {run}: {registrations} in {clock.Elapsed.TotalMilliseconds:F0} ms = {rate:F0}/s");
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }

    private static MeshResource Endpoint(int i) => new()
    {
        ApiVersion = "mesh.io/v1",
        Kind = "Endpoint",
        Metadata = new ResourceMetadata
        {
            Name = $"svc{i % 500}-{i}",
            Namespace = "bench",
            Labels = new Dictionary<string, string> { ["service"] = $"svc{i % 500}", ["version"] = "v1" },
        },
        Spec = MeshJson.ToElement(new { service = $"svc{i % 500}", address = $"10.{i / 65536 % 256}.{i / 256 % 256}.{i % 256}", port = 8080, zone = "local" }),
    };
}
