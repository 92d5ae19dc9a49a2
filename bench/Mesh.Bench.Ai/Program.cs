using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Mesh.Bench.Ai;
using Mesh.Bench.Push;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

// bench/ai (docs/benchmarks.md, "AI traffic: endpoint picking"): the same prefix-heavy workload against SimLLM
// replicas through sidecars with round robin, least-request and Mesh's picker, and through a central oracle.
// Usage: Mesh.Bench.Ai [seconds per rate step=10] [replicas=8] [sidecars=4] [groups=150] [SimLLM time scale=1.0]
//                     [picker variants=default,1.25: a load bound, bound:slack or :slack] [strategies=rr,lr,picker,oracle] [rates=10,20,30,40,50,60]
var stepSeconds = Arg(0, 10);
var replicaCount = Arg(1, 8);
var sidecarCount = Arg(2, 4);
var groups = Arg(3, 150);
var timeScale = args.Length > 4 ? args[4] : "1.0";
var loadBounds = (args.Length > 5 ? args[5] : "default,1.25").Split(',', StringSplitOptions.RemoveEmptyEntries);
var strategies = (args.Length > 6 ? args[6] : "rr,lr,picker,oracle").Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet();
var rates = (args.Length > 7 ? args[7] : "10,20,30,40,50,60").Split(',').Select(r => int.Parse(r, CultureInfo.InvariantCulture)).ToArray();
const int Slots = 4;
var workload = new Workload(groups, PrefixWords: 1200, MaxTokens: 16, RatesPerSecond: rates, StepLength: TimeSpan.FromSeconds(stepSeconds), Seed: 20261204);
string[] simOptions = ["--models", "llama-3-8b", "--max-num-seqs", $"{Slots}", "--time-scale", timeScale, "--max-queue", "1000"];

var root = FindRoot();
var silo = await SiloHost.StartAsync(Path.Combine(root, "silo/Mesh.Silo/bin/Release/net10.0/mesh-silo.dll"), postgres: null);
var replicas = new List<SimLlmHost>();
var sidecars = new List<SidecarHost>();
try
{
    var simDll = Path.Combine(root, "demo/Mesh.SimLlm/bin/Release/net10.0/Mesh.SimLlm.dll");
    replicas.AddRange(await Task.WhenAll(Enumerable.Range(0, replicaCount).Select(i => SimLlmHost.StartAsync(simDll, i, simOptions, CancellationToken.None))));
    await RegisterAsync(silo, replicas);
    var outboundPorts = Enumerable.Range(0, sidecarCount).Select(_ => FreePort()).ToArray();
    for (var i = 0; i < sidecarCount; i++)
    {
        sidecars.Add(SidecarHost.Start(Path.Combine(root, "artifacts/sidecar/mesh-sidecar"), silo.Port, $"ai-bench-{i}", outboundPort: outboundPorts[i]));
    }

    var proxies = outboundPorts.Select(p => new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{p}"), UseProxy = true, MaxConnectionsPerServer = 4096 })
    { Timeout = Timeout.InfiniteTimeSpan }).ToArray();
    var results = new List<PhaseResult>();
    var phases = new List<(string Name, Dictionary<string, string>? Annotations, object? Policy)>();
    if (strategies.Contains("rr"))
    {
        phases.Add(("round robin", null, new { loadBalancer = new { simple = "ROUND_ROBIN" } }));
    }

    if (strategies.Contains("lr"))
    {
        phases.Add(("least request", null, new { loadBalancer = new { simple = "LEAST_REQUEST" } }));
    }

    foreach (var bound in strategies.Contains("picker") ? loadBounds : [])
    {
        var annotations = new Dictionary<string, string> { ["inference.mesh.dev/endpoint-picker"] = "prefix-aware" };
        // "2" sets the load bound, "2:16" the load bound and the queue slack, ":16" the slack alone.
        var (loadBound, slack) = bound.Split(':') is [var b, var q] ? (b, q) : (bound, "");
        var label = new List<string>();
        if (loadBound is not ("" or "default"))
        {
            annotations["inference.mesh.dev/load-bound"] = loadBound;
            label.Add($"load-bound {loadBound}");
        }

        if (slack != "")
        {
            annotations["inference.mesh.dev/queue-slack"] = slack;
            label.Add($"queue-slack {slack}");
        }

        phases.Add((label.Count == 0 ? "mesh picker" : "mesh picker, " + string.Join(", ", label), annotations, null));
    }

    foreach (var (name, annotations, policy) in phases)
    {
        var revision = await ApplyRuleAsync(silo, annotations, policy);
        await Task.WhenAll(sidecars.Select(s => s.WaitForAckAsync(silo, revision, TimeSpan.FromSeconds(60))));
        var next = 0;
        results.Add(await RunPhaseAsync(name, workload, replicas, _ =>
            new Dispatch(proxies[Interlocked.Increment(ref next) % proxies.Length], new Uri("http://llm:8000/v1/chat/completions"))));
    }

    // SimLLM's defaults (docs/ai-traffic.md): 20 ms overhead, 25 ms per output token, 0.5 ms per uncached prompt token,
    // 2,048 blocks of 16 tokens; a prefix is about 1.1 tokens per word.
    var prefixTokens = workload.PrefixWords * 1.1;
    var oracle = new OraclePicker(replicaCount, Slots, prefixesPerCache: (int)(2048 * 16 / prefixTokens),
        serviceMs: 20 + (25.0 * workload.MaxTokens), missPrefillMs: 0.5 * prefixTokens);
    if (strategies.Contains("oracle"))
    {
        results.Add(await RunPhaseAsync("oracle (central)", workload, replicas, request =>
        {
            var server = oracle.Pick(request.Group);
            return new Dispatch(replicas[server].Client, new Uri(replicas[server].Client.BaseAddress!, "/v1/chat/completions"), () => oracle.Done(server));
        }));
    }

    Report.Print(results, workload, replicaCount, sidecarCount, Slots, timeScale);
}
finally
{
    foreach (var sidecar in sidecars)
    {
        await sidecar.DisposeAsync();
    }

    foreach (var replica in replicas)
    {
        await replica.DisposeAsync();
    }

    await silo.DisposeAsync();
}

static async Task<PhaseResult> RunPhaseAsync(string name, Workload workload, List<SimLlmHost> replicas, Func<PlannedRequest, Dispatch> route)
{
    Console.Error.WriteLine($"phase: {name} ({workload.Length.TotalSeconds:0} s)");
    var before = await TotalsAsync(replicas);
    // The salt is unique per phase, so a strategy listed twice does not find the first phase's prefixes cached.
    var salt = $"{name}#{Interlocked.Increment(ref PhaseCount.Value)}";
    var (outcomes, elapsed) = await PhaseRunner.RunAsync(workload.Plan(salt), route, TimeSpan.FromSeconds(120));
    var cache = await TotalsAsync(replicas) - before;
    return PhaseResult.From(name, outcomes, elapsed, cache);
}

static async Task<CacheTotals> TotalsAsync(List<SimLlmHost> replicas) =>
    (await Task.WhenAll(replicas.Select(r => r.TotalsAsync(CancellationToken.None)))).Aggregate(default(CacheTotals), (a, b) => a + b);

static async Task RegisterAsync(SiloHost silo, List<SimLlmHost> replicas)
{
    var service = new MeshResource
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Service,
        Metadata = new ResourceMetadata { Name = "llm", Namespace = "bench" },
        Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 8000 }] }),
    };
    (await silo.Admin.PutAsJsonAsync("/api/v1/namespaces/bench/services/llm", service, MeshJson.Options)).EnsureSuccessStatusCode();
    foreach (var replica in replicas)
    {
        var registration = new EndpointRegistration { Service = "llm", Address = "127.0.0.1", Port = replica.Port, Labels = new Dictionary<string, string> { ["app"] = "llm" } };
        (await silo.Admin.PutAsJsonAsync("/api/v1/namespaces/bench/endpoints", registration, MeshJson.Options)).EnsureSuccessStatusCode();
    }
}

static async Task<long> ApplyRuleAsync(SiloHost silo, Dictionary<string, string>? annotations, object? policy)
{
    var rule = new MeshResource
    {
        ApiVersion = "networking.istio.io/v1",
        Kind = ResourceKinds.DestinationRule,
        Metadata = new ResourceMetadata { Name = "llm", Namespace = "bench", Annotations = annotations },
        Spec = policy is null ? MeshJson.ToElement(new { host = "llm" }) : MeshJson.ToElement(new { host = "llm", trafficPolicy = policy }),
    };
    using var response = await silo.Admin.PutAsJsonAsync("/api/v1/namespaces/bench/resources/DestinationRule/llm", rule, MeshJson.Options);
    response.EnsureSuccessStatusCode();
    return (await response.Content.ReadFromJsonAsync<MeshResource>(MeshJson.Options))!.Version;
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index], CultureInfo.InvariantCulture) : fallback;

static string FindRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
        {
            return directory.FullName;
        }
    }

    throw new DirectoryNotFoundException("Mesh.sln not found above the benchmark");
}

/// <summary>Phases run so far in this process.</summary>
internal static class PhaseCount
{
    public static int Value;
}
