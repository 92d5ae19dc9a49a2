using Mesh.Bench.Health;

// Health checking: probes/s one silo sustains, and shard takeover time after kill -9 and SIGTERM. Starts its own
// silo processes, probe target and throwaway PostgreSQL; everything is bounded and stops by itself (< 2 minutes).
// Usage: Mesh.Bench.Health [endpoint counts, default 1000,4000] [takeover rounds, default 2; 0 skips the takeover part]
var counts = args.Length > 0 ? args[0].Split(',').Select(int.Parse).ToArray() : [1000, 4000];
var rounds = args.Length > 1 ? int.Parse(args[1]) : 2;
var siloDll = Path.Combine(FindRepo(), "silo/Mesh.Silo/bin/Release/net10.0/mesh-silo.dll");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}");

await using (var target = await ProbeTarget.StartAsync(port: 18099))
{
    foreach (var count in counts)
    {
        Console.WriteLine(await ProbeThroughputBench.RunAsync(siloDll, target, count, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(8)));
    }
}

if (rounds > 0)
{
    await using var postgres = await Mesh.Tests.Infrastructure.PostgresServer.LaunchAsync(allowExternal: false);
    Console.WriteLine(await TakeoverBench.RunAsync(siloDll, await postgres.CreateDatabaseAsync("bench_takeover"), TimeSpan.FromSeconds(6), rounds));
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
