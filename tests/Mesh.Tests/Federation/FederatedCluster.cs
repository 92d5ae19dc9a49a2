using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Mesh.Tests.Sidecar.EndToEnd;
using Mesh.Tests.Sidecar.Security;
using Xunit.Abstractions;

namespace Mesh.Tests.Federation;

/// <summary>
/// One silo cluster of a federation test on loopback: its own silo (in-memory store, its own CA and trust domain
/// <c>NAME.mesh</c>), an east-west gateway sidecar (AUTO_PASSTHROUGH), and an <c>echo</c> service exported to every
/// peer whose replica answers with the cluster's name.
/// </summary>
internal sealed class FederatedCluster : IAsyncDisposable
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(3);
    public static readonly TimeSpan ExpireAfter = TimeSpan.FromSeconds(8);
    public const int EchoPort = 9080;

    private FederatedCluster(string name, string region, string zone, MeshTestBed bed, int gatewayPort)
    {
        Name = name;
        Region = region;
        Zone = zone;
        Bed = bed;
        GatewayPort = gatewayPort;
    }

    public string Name { get; }
    public string Region { get; }
    public string Zone { get; }
    public MeshTestBed Bed { get; }
    public int GatewayPort { get; }
    public string TrustDomain => $"{Name}.mesh";
    public SiloProcess Silo => Bed.Silo;
    public SidecarProcess Gateway { get; private set; } = null!;
    public SidecarProcess? Echo { get; private set; }
    public UpstreamServer? EchoApp { get; private set; }

    /// <param name="postgres">The cluster's own database; the in-memory store when null.</param>
    /// <param name="peeringRelay">
    /// When true, peers reach this cluster's silo (the peering stream) only through a <see cref="StallingTcpRelay"/>
    /// the test can stall, one way or both.
    /// </param>
    public static async Task<FederatedCluster> StartAsync(string name, string region, string zone, ITestOutputHelper log, bool echo = true,
        string? postgres = null, bool peeringRelay = false, IReadOnlyDictionary<string, string?>? extraSettings = null, int silos = 1)
    {
        var gatewayPort = TestPorts.Next();
        var siloPort = TestPorts.Next();
        var relay = peeringRelay ? StallingTcpRelay.Start(siloPort) : null;
        var settings = Settings(name, gatewayPort);
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        if (relay is not null)
        {
            settings["Mesh__Federation__Addresses__0"] = relay.Url;
        }

        MeshTestBed bed;
        try
        {
            bed = await MeshTestBed.StartAsync(log, silos: silos, postgres: postgres, settings: settings, port: siloPort);
        }
        catch
        {
            if (relay is not null)
            {
                await relay.DisposeAsync();
            }

            throw;
        }

        var cluster = new FederatedCluster(name, region, zone, bed, gatewayPort) { PeeringRelay = relay };
        try
        {
            await cluster.SetUpAsync(echo);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    /// <summary>The silo settings of cluster <paramref name="name"/> (short peer timings, for tests).</summary>
    public static Dictionary<string, string?> Settings(string name, int gatewayPort) => new()
    {
        ["Mesh__Ca__TrustDomain"] = $"{name}.mesh",
        ["Mesh__Federation__ClusterName"] = name,
        ["Mesh__Federation__GatewayAddress"] = $"127.0.0.1:{gatewayPort}",
        ["Mesh__Federation__StaleAfter"] = StaleAfter.ToString(),
        ["Mesh__Federation__ExpireAfter"] = ExpireAfter.ToString(),
        ["Mesh__Federation__HeartbeatInterval"] = "00:00:00.500",
        // A cluster on PostgreSQL needs its key-encryption key again after a restart: one per cluster name.
        ["Mesh__Ca__KeyEncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("kek-" + name))),
    };

    public StallingTcpRelay? PeeringRelay { get; private init; }

    private async Task SetUpAsync(bool echo)
    {
        await Silo.AddServiceAsync("echo", "echo", EchoPort);
        await Bed.ApplyAsync(IstioResources.Gateway("eastwest", new
        {
            selector = new { istio = "eastwestgateway" },
            servers = new[] { new { port = new { number = GatewayPort, name = "tls", protocol = "TLS" }, hosts = new[] { "*.local" }, tls = new { mode = "AUTO_PASSTHROUGH" } } },
        }));
        await Bed.ApplyAsync(IstioResources.Resource(ResourceKinds.MeshApiVersion, ResourceKinds.ExportedServices, "default",
            new { services = new[] { new { name = "echo", consumers = new[] { new { peer = "*" } } } } }));
        if (echo)
        {
            await StartEchoAsync();
        }

        await StartGatewayAsync();
    }

    /// <summary>Starts (again) the east-west gateway and waits until it listens and knows the echo replica.</summary>
    public async Task StartGatewayAsync()
    {
        Gateway = await Bed.StartSidecarAsync($"eastwest-{Name}-{Guid.NewGuid():N}"[..24], labels: "istio=eastwestgateway,app=eastwest,version=v1",
            extraArgs: ["--mode", "gateway", "--join-token", await Silo.JoinTokenAsync("eastwest"), "--locality", $"{Region}/{Zone}"]);
        await Poll.UntilTrueAsync(async () => (await Gateway.Admin.GetStringAsync("/listeners")).Contains($"\"port\":{GatewayPort},\"state\":\"listening\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => $"{Name}'s east-west gateway never listened on {GatewayPort}");
        if (Echo is not null)
        {
            await Gateway.WaitForEndpointAsync(Echo);
        }
    }

    /// <summary>Starts (again) the echo replica: an app answering the cluster's name behind a sidecar with an SVID.</summary>
    /// <param name="another">Starts one more replica (its own app) instead of replacing the sidecar of the first.</param>
    public async Task StartEchoAsync(bool another = false)
    {
        EchoApp = EchoApp is null || another ? await Bed.StartUpstreamAsync(Name) : EchoApp;
        Echo = await Bed.StartSidecarAsync($"echo-{Name}-{Guid.NewGuid():N}"[..24], "echo", EchoApp.Port,
            $"app=echo,version=v1,topology.kubernetes.io/region={Region},topology.kubernetes.io/zone={Zone}",
            extraArgs: ["--join-token", await Silo.JoinTokenAsync("echo"), "--locality", $"{Region}/{Zone}"]);
    }

    /// <summary>A client workload (service account <c>client</c>) in this cluster's locality.</summary>
    public async Task<SidecarProcess> StartClientAsync(string id = "client") =>
        await Bed.StartSidecarAsync($"{id}-{Name}", labels: "app=client,version=v1",
            extraArgs: ["--join-token", await Silo.JoinTokenAsync("client"), "--locality", $"{Region}/{Zone}"]);

    /// <summary>Peers this cluster (the issuer) with <paramref name="joiner"/>: this cluster calls it by the joiner's name and back.</summary>
    public async Task PeerWithAsync(FederatedCluster joiner)
    {
        var token = await CreateTokenAsync(joiner.Name);
        using var response = await joiner.Silo.Admin.PostAsJsonAsync("/api/v1/peerings", new { name = Name, token });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<string> CreateTokenAsync(string peer)
    {
        using var response = await Silo.Admin.PostAsJsonAsync("/api/v1/peerings/tokens", new { peer });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    public async Task<PeeringView> PeeringAsync(string name) =>
        (await Silo.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/peerings/{name}", MeshJson.Options)).GetProperty("peering").Deserialize<PeeringView>(MeshJson.Options)!;

    /// <summary>What this cluster imported from <paramref name="peer"/>: per service, the localities and the resource version.</summary>
    public async Task<JsonElement> ImportedAsync(string peer) =>
        (await Silo.Admin.GetFromJsonAsync<JsonElement>($"/api/v1/peerings/{peer}", MeshJson.Options)).GetProperty("imported");

    public Task WaitForPeeringAsync(string name, Func<PeeringView, bool> condition, string what, TimeSpan? timeout = null)
    {
        PeeringView? last = null;
        return Poll.UntilTrueAsync(async () => condition(last = await PeeringAsync(name)), timeout ?? TimeSpan.FromSeconds(30),
            () => $"{Name}'s peering '{name}' never became {what}: {JsonSerializer.Serialize(last, MeshJson.Options)}");
    }

    public async ValueTask DisposeAsync()
    {
        await Bed.DisposeAsync();
        if (PeeringRelay is not null)
        {
            await PeeringRelay.DisposeAsync();
        }
    }
}
