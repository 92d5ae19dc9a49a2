using System.Diagnostics;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Bench.Push;

/// <summary>
/// The scale point: three silos on one PostgreSQL holding E endpoints over S services, with N simulated
/// subscribers spread over the silos. Subscribers declare dependencies (Istio Sidecar egress hosts) as real
/// sidecars do; replicas of one workload share them, so they form G scope groups of 5 services each. Measures push
/// latency for a write every subscriber sees (mesh-wide policy in the root namespace) and for an endpoint change
/// only its dependents see, and silo RSS per subscriber.
/// </summary>
internal static class ScaleBench
{
    private const string Namespace = "bench";
    private const int Groups = 100;
    private const int ServicesPerGroup = 5;

    public static async Task RunAsync(string siloDll, string sidecarBinary, int services, int endpoints, int subscribers, int rounds)
    {
        await using var postgres = await Mesh.Tests.Infrastructure.PostgresServer.LaunchAsync(allowExternal: false);
        var database = await postgres.CreateDatabaseAsync("bench_scale");
        var clock = Stopwatch.StartNew();
        await SeedAsync(database, services, endpoints);
        Console.WriteLine($"scale: seeded {services:N0} services and {endpoints:N0} endpoints through the store in {clock.Elapsed.TotalSeconds:F1} s");

        var silos = new List<SiloHost>();
        var clients = new List<PushClient>();
        try
        {
            clock.Restart();
            silos.AddRange(await Task.WhenAll(Enumerable.Range(0, 3).Select(i =>
                SiloHost.StartAsync(siloDll, database, new Dictionary<string, string>
                {
                    ["Mesh__SiloId"] = $"scale-{i}",
                    // The load generator shares the machine; a starved client may send its first request late.
                    ["Mesh__SubscriberTimeout"] = "00:02:00",
                }))));

            Console.WriteLine($"scale: 3 silos ready (each loaded the snapshot) in {clock.Elapsed.TotalSeconds:F1} s");
            var before = silos.Select(s => s.RssBytes).ToArray();
            clock.Restart();
            for (var i = 0; i < subscribers; i += 100)
            {
                await Task.WhenAll(Enumerable.Range(i, Math.Min(100, subscribers - i)).Select(async j =>
                {
                    var client = await ConnectAsync(silos[j % 3], $"scale-{j}", Dependencies(j % Groups, services));
                    lock (clients)
                    {
                        clients.Add(client);
                    }
                }));
                if ((i + 100) % 2000 == 0)
                {
                    Console.WriteLine($"scale: {i + 100:N0} connected after {clock.Elapsed.TotalSeconds:F1} s, {clients.Count(c => c.FirstResponse.IsCompleted):N0} hold their first response");
                }
            }

            // Bounded: a subscriber the silo dropped (e.g. no hello within its timeout on a starved machine) is reported, not awaited forever.
            await Task.WhenAny(Task.WhenAll(clients.Select(c => c.FirstResponse)), Task.Delay(TimeSpan.FromSeconds(60)));
            var holding = clients.Where(c => c.FirstResponse.IsCompleted).ToList();
            Console.WriteLine($"scale: {holding.Count:N0} of {subscribers:N0} subscribers connected and holding their snapshot after {clock.Elapsed.TotalSeconds:F1} s");
            var after = silos.Select(s => s.RssBytes).ToArray();
            for (var i = 0; i < 3; i++)
            {
                var count = holding.Count(c => Index(c) % 3 == i);
                Console.WriteLine($"scale: silo {i}: RSS {before[i] / 1048576.0:F0} MB with 0 subscribers, {after[i] / 1048576.0:F0} MB with {count:N0}: {(after[i] - before[i]) / (double)count / 1024:F1} KB per subscriber");
            }

            var ordered = holding.OrderBy(c => c.Id).ToList();
            await MeasureAsync("mesh-wide policy write (every subscriber)", rounds, ordered, round => PolicyWrite(silos[round % 3], round));
            var dependents = ordered.Where(c => Index(c) % Groups == 0).ToList();
            await MeasureAsync($"endpoint registration (its {dependents.Count} dependents)", rounds, dependents, round => EndpointWrite(silos[round % 3], round));
            await MeasureBytesAndSidecarMemoryAsync(silos, services, sidecarBinary);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }

            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// What one endpoint change costs on the wire against the snapshot of the whole mesh, for a subscriber of
    /// everything and for a scoped one; and the RSS of real sidecar processes holding the whole mesh or one scope.
    /// </summary>
    private static async Task MeasureBytesAndSidecarMemoryAsync(List<SiloHost> silos, int services, string sidecarBinary)
    {
        await using var whole = await PushClient.ConnectAsync(silos[0].Port, "scale-bytes-whole");
        await using var scoped = await PushClient.ConnectAsync(silos[0].Port, "scale-bytes-scoped", Dependencies(0, services));
        await Task.WhenAll(whole.FirstResponse, scoped.FirstResponse).WaitAsync(TimeSpan.FromMinutes(2));
        var (wholeSnapshot, scopedSnapshot) = (whole.BytesReceived, scoped.BytesReceived);
        var started = Stopwatch.GetTimestamp();
        var revision = await EndpointWrite(silos[1], 777);
        await Task.WhenAll(whole.WaitForRevisionAsync(revision, started), scoped.WaitForRevisionAsync(revision, started));
        Console.WriteLine($"scale: bytes for one endpoint change: {whole.BytesReceived - wholeSnapshot:N0} B to a whole-mesh subscriber (its snapshot: {wholeSnapshot / 1048576.0:F1} MB), {scoped.BytesReceived - scopedSnapshot:N0} B to a dependent scoped to {ServicesPerGroup} services (its snapshot: {scopedSnapshot / 1024.0:F1} KB)");

        await using var wholeSidecar = SidecarHost.Start(sidecarBinary, silos[2].Port, "scale-sidecar-whole");
        await using var scopedSidecar = SidecarHost.Start(sidecarBinary, silos[2].Port, "scale-sidecar-scoped", Dependencies(0, services));
        await Task.WhenAll(wholeSidecar.WaitForAckAsync(silos[2], revision, TimeSpan.FromMinutes(3)), scopedSidecar.WaitForAckAsync(silos[2], revision, TimeSpan.FromMinutes(3)));
        Console.WriteLine($"scale: real sidecar RSS after ACKing the mesh: {wholeSidecar.RssBytes / 1048576.0:F0} MB holding all {services:N0} services and their endpoints, {scopedSidecar.RssBytes / 1048576.0:F0} MB scoped to {ServicesPerGroup} services");
    }

    /// <summary>A refused connect is retried (a silo building its first snapshots can fall behind on accepts) but never hidden.</summary>
    private static async Task<PushClient> ConnectAsync(SiloHost silo, string id, List<string> dependencies)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await PushClient.ConnectAsync(silo.Port, id, dependencies);
            }
            catch (Grpc.Core.RpcException ex) when (attempt < 5)
            {
                Console.WriteLine($"scale: connect of {id} failed ({ex.InnerException?.InnerException?.Message ?? ex.Message}); silo alive: {silo.IsAlive}; retrying");
                await Task.Delay(200 * attempt);
            }
        }
    }

    private static int Index(PushClient client) => int.Parse(client.Id["scale-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    private static List<string> Dependencies(int group, int services) =>
        [.. Enumerable.Range(0, ServicesPerGroup).Select(k => $"{Namespace}/svc-{(group * ServicesPerGroup + k) % services}")];

    private static async Task MeasureAsync(string what, int rounds, List<PushClient> clients, Func<int, Task<long>> write)
    {
        var p50s = new List<double>();
        var p99s = new List<double>();
        for (var round = -1; round < rounds; round++)
        {
            var open = clients.Where(c => c.IsOpen).ToList();
            var started = Stopwatch.GetTimestamp();
            var revision = await write(round + 1);
            var latencies = (await Task.WhenAll(open.Select(async c =>
            {
                try
                {
                    return await c.WaitForRevisionAsync(revision, started);
                }
                catch (TimeoutException)
                {
                    return double.NaN;
                }
            }))).Where(l => !double.IsNaN(l)).Order().ToArray();
            if (latencies.Length < clients.Count)
            {
                Console.WriteLine($"scale: write {round + 1}: {clients.Count - latencies.Length} of {clients.Count} subscribers did not receive it (stream closed or > 30 s)");
            }

            if (round >= 0)
            {
                p50s.Add(latencies[latencies.Length / 2]);
                p99s.Add(latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1]);
            }
        }

        p50s.Sort();
        p99s.Sort();
        Console.WriteLine($"scale: push of {what} to {clients.Count:N0} subscribers on 3 silos ({rounds} writes, via each silo in turn): median p50 {p50s[p50s.Count / 2]:F1} ms, median p99 {p99s[p99s.Count / 2]:F1} ms, worst p99 {p99s[^1]:F1} ms");
    }

    private static async Task<long> PolicyWrite(SiloHost silo, int round)
    {
        var policy = new MeshResource
        {
            ApiVersion = "security.istio.io/v1",
            Kind = ResourceKinds.PeerAuthentication,
            Metadata = new ResourceMetadata { Name = "default", Namespace = "istio-system" },
            Spec = MeshJson.ToElement(new { mtls = new { mode = round % 2 == 0 ? "PERMISSIVE" : "STRICT" } }),
        };
        using var response = await silo.Admin.PutAsJsonAsync("/api/v1/namespaces/istio-system/resources/PeerAuthentication/default", policy, MeshJson.Options);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<MeshResource>(MeshJson.Options))!.Version;
    }

    private static async Task<long> EndpointWrite(SiloHost silo, int round)
    {
        var registration = new Mesh.Contracts.Domains.EndpointRegistration { Service = "svc-0", Address = $"10.200.0.{round % 250}", Port = 9000 };
        using var response = await silo.Admin.PutAsJsonAsync($"/api/v1/namespaces/{Namespace}/endpoints", registration, MeshJson.Options);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<EndpointView>(MeshJson.Options))!.ResourceVersion;
    }

    /// <summary>Writes the mesh straight through the store, 1,000 resources per revision: seeding is not what is measured.</summary>
    private static async Task SeedAsync(string database, int services, int endpoints)
    {
        await using var store = new PostgresMeshStore(new PostgresStoreOptions { ConnectionString = database }, TimeProvider.System, NullLogger<PostgresMeshStore>.Instance);
        await store.InitializeAsync(CancellationToken.None);
        var resources = Enumerable.Range(0, services).Select(Service)
            .Concat(Enumerable.Range(0, endpoints).Select(i => Endpoint(i, services)));
        foreach (var batch in resources.Chunk(1000))
        {
            await store.WriteAsync([.. batch.Select(r => ResourceWrite.Upsert(r))], CancellationToken.None);
        }
    }

    private static MeshResource Service(int i) => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Service,
        Metadata = new ResourceMetadata { Name = $"svc-{i}", Namespace = Namespace },
        Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80, TargetPort = 8080 }] }),
    };

    private static MeshResource Endpoint(int i, int services)
    {
        var spec = new EndpointSpec { Service = $"svc-{i % services}", Address = $"10.{i / 62500}.{i / 250 % 250}.{i % 250}", Port = 8080 };
        return new MeshResource
        {
            ApiVersion = ResourceKinds.MeshApiVersion,
            Kind = ResourceKinds.Endpoint,
            Metadata = new ResourceMetadata { Name = EndpointSpec.NameFor(spec.Service, spec.Address, spec.Port), Namespace = Namespace, Labels = new Dictionary<string, string> { ["version"] = "v1" } },
            Spec = MeshJson.ToElement(spec),
        };
    }
}
