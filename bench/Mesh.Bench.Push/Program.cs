using System.Diagnostics;
using System.Net.Http.Json;
using Mesh.Bench.Push;
using Mesh.Contracts.Json;

// Push latency from an admin write to N subscribers on one silo, then endpoint registrations/s through the API into
// PostgreSQL. Starts its own silo processes and its own throwaway PostgreSQL; everything is bounded and stops by itself.
if (args is ["scale", ..])
{
    // dotnet Mesh.Bench.Push.dll scale [services] [endpoints] [subscribers] [rounds]
    int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index]) : fallback;
    // The sidecar memory part runs the published sidecar: scripts/publish-sidecar.sh first.
    await ScaleBench.RunAsync(
        Path.Combine(FindRepo(), "silo/Mesh.Silo/bin/Release/net10.0/mesh-silo.dll"), Path.Combine(FindRepo(), "artifacts/sidecar/mesh-sidecar"),
        Arg(1, 5_000), Arg(2, 100_000), Arg(3, 10_000), Arg(4, 5));
    return;
}

if (args is ["ca", ..])
{
    // dotnet Mesh.Bench.Push.dll ca [requests] [concurrency]
    await IssuanceBench.RunAsync(Path.Combine(FindRepo(), "silo/Mesh.Silo/bin/Release/net10.0/mesh-silo.dll"),
        args.Length > 1 ? int.Parse(args[1]) : 3000, args.Length > 2 ? int.Parse(args[2]) : 32);
    return;
}

if (args is ["kill", ..])
{
    // dotnet Mesh.Bench.Push.dll kill [rounds]
    await KillBench.RunAsync(Path.Combine(FindRepo(), "silo/Mesh.Silo/bin/Release/net10.0/mesh-silo.dll"), args.Length > 1 ? int.Parse(args[1]) : 5);
    return;
}

if (args is ["registrations", ..])
{
    // dotnet Mesh.Bench.Push.dll registrations: only the registration part below
    await RunRegistrationsAsync(Path.Combine(FindRepo(), "silo/Mesh.Silo/bin/Release/net10.0/mesh-silo.dll"));
    return;
}

var counts = args.Length > 0 ? args[0].Split(',').Select(int.Parse).ToArray() : [100, 1000, 10000];
var rounds = args.Length > 1 ? int.Parse(args[1]) : 5;
var repo = FindRepo();
var siloDll = Path.Combine(repo, "silo/Mesh.Silo/bin/Release/net10.0/mesh-silo.dll");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");

await using (var silo = await SiloHost.StartAsync(siloDll, postgres: null))
{
    foreach (var count in counts)
    {
        var result = await PushBench.RunAsync(silo, count, rounds);
        Console.WriteLine(result);
    }
}

await RunRegistrationsAsync(siloDll);

static async Task RunRegistrationsAsync(string siloDll)
{
    await using (var postgres = await Mesh.Tests.Infrastructure.PostgresServer.LaunchAsync(allowExternal: false))
    {
        var database = await postgres.CreateDatabaseAsync("bench_registrations");
        await using var silo = await SiloHost.StartAsync(siloDll, database);
        // One uncounted run first: the silo's JIT and PostgreSQL's first plans otherwise make the first counted run the
        // slowest by a third, and the median lands on it whenever a later run is disturbed.
        await RegistrationBench.RunAsync(silo, concurrency: 64, registrations: 5_000, run: 9);
        foreach (var concurrency in new[] { 64, 256 })
        {
            var rates = new List<double>();
            for (var run = 0; run < 3; run++)
            {
                rates.Add(await RegistrationBench.RunAsync(silo, concurrency, registrations: 10_000, run));
            }

            rates.Sort();
            Console.WriteLine($"registrations via API into PostgreSQL, concurrency {concurrency}: median {rates[1]:F0}/s (runs: {string.Join(", ", rates.Select(r => r.ToString("F0")))})");
        }
    }
}

static string FindRepo()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Mesh.sln not found");
}
