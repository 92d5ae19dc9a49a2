using System.Diagnostics;
using Mesh.Bench.Routing;
using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Routing.Compilation;

// Compiles 5,000 VirtualServices + 5,000 DestinationRules (+ 5,000 services, 20,000 endpoints) for one sidecar and
// prints the median of 5 cold and 5 warm runs, next to a peer measured in the same run: only deserializing those VS/DR specs.
var services = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5000;
var resources = MeshGenerator.Generate(services);
var node = new NodeInfo { Id = "bench", Namespace = "ns0", Labels = new Dictionary<string, string> { ["app"] = "bench" } };
var compiler = ProxyConfigCompiler.Create();

var warmup = compiler.Compile(resources, node, 1);
Console.WriteLine($"input: {resources.Count} resources ({services} VS, {services} DR, {services} services, {services * 4} endpoints)");
Console.WriteLine($"output: {warmup.VirtualHosts.Count} virtual hosts, {warmup.Clusters.Count} clusters, {warmup.Warnings.Count} warnings");

// Cold: a new compiler each run, so every spec is deserialized. Warm: the sidecar's case after a delta, where the
// compiler has already read (and cached) the typed specs of the unchanged resource instances.
var compile = Measure(() => ProxyConfigCompiler.Create().Compile(resources, node, 1));
var recompile = Measure(() => compiler.Compile(resources, node, 2));
var parse = Measure(() =>
{
    foreach (var r in resources)
    {
        _ = r.Kind switch
        {
            ResourceKinds.VirtualService => (object?)MeshJson.FromElement<VirtualServiceSpec>(r.Spec),
            ResourceKinds.DestinationRule => MeshJson.FromElement<DestinationRuleSpec>(r.Spec),
            _ => null,
        };
    }
});

Console.WriteLine($"compile (cold) median of 5: wall {compile.Wall:F1} ms, cpu {compile.Cpu:F1} ms");
Console.WriteLine($"recompile (specs cached) median of 5: wall {recompile.Wall:F1} ms, cpu {recompile.Cpu:F1} ms");
Console.WriteLine($"peer (deserialize VS+DR specs only) median of 5: wall {parse.Wall:F1} ms, cpu {parse.Cpu:F1} ms");
Console.WriteLine($"ratio compile/deserialize (cpu): {compile.Cpu / parse.Cpu:F2}");

// CPU time is reported beside wall time because the benchmark machine is shared: wall time includes waiting for a core.
static (double Wall, double Cpu) Measure(Action action)
{
    var wall = new double[5];
    var cpu = new double[5];
    using var process = Process.GetCurrentProcess();
    for (var i = 0; i < wall.Length; i++)
    {
        GC.Collect();
        process.Refresh();
        var cpuStart = process.TotalProcessorTime;
        var stopwatch = Stopwatch.StartNew();
        action();
        wall[i] = stopwatch.Elapsed.TotalMilliseconds;
        process.Refresh();
        cpu[i] = (process.TotalProcessorTime - cpuStart).TotalMilliseconds;
    }

    Array.Sort(wall);
    Array.Sort(cpu);
    return (wall[wall.Length / 2], cpu[cpu.Length / 2]);
}
