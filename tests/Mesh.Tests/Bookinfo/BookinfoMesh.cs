using Mesh.Tests.Sidecar.Security;
using System.Text.Json;
using Mesh.Contracts.Domains;
using Mesh.Tests.Cli;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit;
using Xunit.Abstractions;

namespace Mesh.Tests.Bookinfo;

[CollectionDefinition(Name)]
public sealed class BookinfoCollection : ICollectionFixture<BookinfoMesh>
{
    public const string Name = "Bookinfo";
}

/// <summary>
/// Bookinfo on loopback, shared by every test of the collection: one in-memory silo; Kestrel apps answering
/// <c>service-version</c> for productpage v1, reviews v1/v2/v3, ratings v1/v2 and details v1/v2; productpage and
/// reviews v1 behind their own sidecars (which register them), the rest registered directly with <c>version</c>
/// labels; and an ingress gateway (<c>--mode gateway</c>, <c>istio=ingressgateway</c>). The tests act as productpage's
/// application, calling out through its sidecar. Samples are applied unchanged with the real meshctl.
/// </summary>
public sealed class BookinfoMesh : IAsyncLifetime
{
    private readonly Dictionary<string, UpstreamServer> _apps = new(StringComparer.Ordinal);
    private MeshTestBed? _bed;

    internal MeshTestBed Bed => _bed ?? throw new InvalidOperationException("fixture not started");

    internal SidecarProcess Productpage { get; private set; } = null!;

    internal SidecarProcess ReviewsV1 { get; private set; } = null!;

    internal SidecarProcess Gateway { get; private set; } = null!;

    internal UpstreamServer App(string workload) => _apps[workload];

    public async Task InitializeAsync()
    {
        _bed = await MeshTestBed.StartAsync(new DiscardingOutput());
        foreach (var workload in (string[])["productpage-v1", "reviews-v1", "reviews-v2", "reviews-v3", "ratings-v1", "ratings-v2", "details-v1", "details-v2"])
        {
            _apps[workload] = await Bed.StartUpstreamAsync(workload);
        }

        foreach (var service in (string[])["productpage", "reviews", "ratings", "details"])
        {
            await Bed.Silo.Admin.PutServiceAsync(TestResources.Service(service, 9080));
        }

        foreach (var (workload, app) in _apps.Where(a => a.Key is not ("productpage-v1" or "reviews-v1")))
        {
            var (service, version) = Split(workload);
            await Bed.Silo.Admin.RegisterAsync(new EndpointRegistration
            {
                Service = service,
                Address = "127.0.0.1",
                Port = app.Port,
                Labels = new Dictionary<string, string> { ["app"] = service, ["version"] = version },
            });
        }

        // Workload identities (service account "default", which the Services imply), so destination-rule-all-mtls.yaml's
        // ISTIO_MUTUAL has certificates to use, as in Istio.
        Productpage = await Bed.StartSidecarAsync("productpage-v1", service: "productpage", appPort: App("productpage-v1").Port, labels: "app=productpage,version=v1",
            extraArgs: ["--join-token", await Bed.Silo.JoinTokenAsync("default")]);
        ReviewsV1 = await Bed.StartSidecarAsync("reviews-v1", service: "reviews", appPort: App("reviews-v1").Port, labels: "app=reviews,version=v1",
            extraArgs: ["--join-token", await Bed.Silo.JoinTokenAsync("default")]);
        Gateway = await Bed.StartSidecarAsync("istio-ingressgateway", labels: "istio=ingressgateway", extraArgs: ["--mode", "gateway"]);
        await WaitForSidecarEndpointAsync(Productpage, ReviewsV1);
        await WaitForSidecarEndpointAsync(Gateway, Productpage);
        await ApplySampleAsync("destination-rule-all.yaml");
    }

    /// <summary><c>meshctl apply -f</c> on the unchanged sample, then waits until the client sidecars run it.</summary>
    internal Task ApplySampleAsync(string file) => ApplyAsync(["apply", "-f", Path.Combine(CliFiles.SamplesDirectory, file)], null);

    /// <summary><c>meshctl apply -f -</c> for YAML a test writes itself.</summary>
    internal Task ApplyYamlAsync(string yaml) => ApplyAsync(["apply", "-f", "-"], yaml);

    private async Task ApplyAsync(string[] args, string? stdin)
    {
        var result = await Meshctl.For(Bed.Silo).RunWithInputAsync(stdin, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"meshctl {string.Join(' ', args)} failed: {result}");
        }

        await Bed.SyncAsync(Productpage, Gateway);
    }

    /// <summary>GETs <paramref name="url"/> through productpage's sidecar; counts bodies of 2xx answers and status codes of others.</summary>
    internal Task<Dictionary<string, int>> CountAsync(string url, int requests, string? user = null) => Traffic.CountAsync(Productpage.Proxy, url, requests, user);

    private static async Task WaitForSidecarEndpointAsync(SidecarProcess client, SidecarProcess server) =>
        await Poll.UntilTrueAsync(async () => (await client.Admin.GetStringAsync("/config_dump")).Contains($"\"sidecarPort\":{server.InboundPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30), () => $"{client.Process.Id}: the endpoint registered by sidecar {server.Process.Id} never arrived");

    private static (string Service, string Version) Split(string workload)
    {
        var dash = workload.LastIndexOf('-');
        return (workload[..dash], workload[(dash + 1)..]);
    }

    internal static async Task<string> ConfigDumpTextAsync(SidecarProcess sidecar) =>
        JsonSerializer.Serialize(await sidecar.ConfigDumpAsync());

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}
