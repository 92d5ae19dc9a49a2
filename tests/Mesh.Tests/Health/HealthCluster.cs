using System.Net.Http.Json;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Silo.Api;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>
/// Silo processes on one real database with a short health-partition check interval, plus real upstreams to probe. Disposing stops
/// everything, also when a test fails.
/// </summary>
internal sealed class HealthCluster : IAsyncDisposable
{
    public const int Shards = 16;
    private readonly string _database;
    private readonly ITestOutputHelper _output;
    private readonly TimeSpan _checkInterval;

    private HealthCluster(string database, ITestOutputHelper output, TimeSpan checkInterval)
    {
        _database = database;
        _output = output;
        _checkInterval = checkInterval;
    }

    public List<SiloProcess> Silos { get; } = [];

    public List<ProbeUpstream> Upstreams { get; } = [];

    public TimeSpan CheckInterval => _checkInterval;

    public HttpClient Admin => Silos[0].Admin;

    public static async Task<HealthCluster> StartAsync(string database, ITestOutputHelper output, int silos, TimeSpan? checkInterval = null)
    {
        var cluster = new HealthCluster(database, output, checkInterval ?? TimeSpan.FromMilliseconds(500));
        try
        {
            for (var i = 0; i < silos; i++)
            {
                await cluster.AddSiloAsync($"silo-{(char)('a' + i)}");
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public async Task<SiloProcess> AddSiloAsync(string id)
    {
        var silo = await SiloProcess.StartAsync(_database, id, _output, new Dictionary<string, string?>
        {
            ["Mesh__Health__Shards"] = Shards.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Mesh__Health__PartitionCheckInterval"] = _checkInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
        });
        Silos.Add(silo);
        return silo;
    }

    public static MeshResource Service(string name, HealthCheckSpec check) => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Service,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
        Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 8080 }], HealthCheck = check }),
    };

    public static HealthCheckSpec Http(string interval = "200ms", int healthy = 2, int unhealthy = 2) => new()
    {
        Http = new HttpHealthCheck { Path = "/healthz" },
        Interval = interval,
        Timeout = "500ms",
        HealthyThreshold = healthy,
        UnhealthyThreshold = unhealthy,
    };

    /// <summary>Starts <paramref name="count"/> upstreams and registers each as an endpoint of <paramref name="service"/>.</summary>
    public async Task<List<(ProbeUpstream Upstream, EndpointView Endpoint)>> AddEndpointsAsync(string service, int count)
    {
        var added = new List<(ProbeUpstream, EndpointView)>();
        for (var i = 0; i < count; i++)
        {
            var upstream = await ProbeUpstream.StartAsync();
            Upstreams.Add(upstream);
            added.Add((upstream, await Admin.RegisterAsync(new EndpointRegistration { Service = service, Address = "127.0.0.1", Port = upstream.Port })));
        }

        return added;
    }

    public static async Task<List<ShardView>> ShardsAsync(SiloProcess silo) =>
        (await silo.Admin.GetFromJsonAsync<List<ShardView>>("/api/v1/shards", MeshJson.Options))!;

    public static async Task<EndpointProberView> ProberAsync(SiloProcess silo, string endpoint) =>
        (await silo.Admin.GetFromJsonAsync<EndpointProberView>($"/api/v1/namespaces/default/endpoints/{endpoint}/prober", MeshJson.Options))!;

    /// <summary>Waits until every partition has a live owner and the owners hold exactly their fair shares.</summary>
    public Task<List<ShardView>> WaitBalancedAsync(SiloProcess via, IReadOnlyCollection<string> owners, TimeSpan timeout) =>
        Poll.UntilAsync(async () =>
        {
            var shards = await ShardsAsync(via);
            var counts = shards.Where(s => s.Owner is not null).GroupBy(s => s.Owner!).ToDictionary(g => g.Key, g => g.Count());
            var fair = counts.Count == owners.Count && owners.All(counts.ContainsKey) && counts.Values.All(c => c >= Shards / owners.Count && c <= (Shards + owners.Count - 1) / owners.Count);
            return shards.All(s => s.Owner is not null) && fair ? shards : null;
        }, timeout, () => $"shards never balanced over {string.Join(", ", owners)}");

    /// <summary>Waits until each upstream got at least <paramref name="probes"/> probes since its counts were reset.</summary>
    public static Task WaitProbedAsync(IEnumerable<ProbeUpstream> upstreams, int probes, TimeSpan timeout)
    {
        var list = upstreams.ToList();
        return Poll.UntilTrueAsync(() => Task.FromResult(list.All(u => u.Probes >= probes)), timeout,
            () => $"not every upstream was probed {probes} times: {string.Join(", ", list.Select(u => $"{u.Port}={u.Probes}"))}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in Silos)
        {
            await silo.DisposeAsync();
        }

        foreach (var upstream in Upstreams)
        {
            await upstream.DisposeAsync();
        }
    }
}
