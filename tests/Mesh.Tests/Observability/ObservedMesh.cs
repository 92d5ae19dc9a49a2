using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Traffic;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Mesh.Tests.Sidecar.EndToEnd;
using Mesh.Tests.Sidecar.Security;
using Xunit.Abstractions;

namespace Mesh.Tests.Observability;

/// <summary>
/// The observability topology: a frontend sidecar (SVID, no app) calls backend v1/v2 (SVIDs, STRICT mTLS) split
/// 50/50 by subset, where v2 answers every tenth request 503 after 50 ms, and a legacy service whose sidecar has no
/// certificate (plaintext). An AuthorizationPolicy denies backend's <c>/admin</c>.
/// </summary>
internal sealed class ObservedMesh
{
    public const string BackendHost = "backend.default.svc.cluster.local";

    private ObservedMesh(MeshTestBed mesh, SidecarProcess frontend, SidecarProcess backendV1, SidecarProcess backendV2, SidecarProcess legacy,
        UpstreamServer v1, UpstreamServer v2, UpstreamServer legacyApp)
    {
        Mesh = mesh;
        Frontend = frontend;
        BackendV1 = backendV1;
        BackendV2 = backendV2;
        Legacy = legacy;
        V1 = v1;
        V2 = v2;
        LegacyApp = legacyApp;
    }

    public MeshTestBed Mesh { get; }
    public SidecarProcess Frontend { get; }
    public SidecarProcess BackendV1 { get; }
    public SidecarProcess BackendV2 { get; }
    public SidecarProcess Legacy { get; }
    public UpstreamServer V1 { get; }
    public UpstreamServer V2 { get; }
    public UpstreamServer LegacyApp { get; }
    public IEnumerable<SidecarProcess> Sidecars => [Frontend, BackendV1, BackendV2, Legacy];

    public static async Task<ObservedMesh> StartAsync(MeshTestBed mesh)
    {
        var (v1, v2, legacyApp) = await StartBackendAndLegacyAppsAsync(mesh);
        await mesh.ApplyAsync(SecureMesh.Policy("AuthorizationPolicy", "deny-admin", new
        {
            selector = new { matchLabels = new Dictionary<string, string> { ["app"] = "backend" } },
            action = "DENY",
            rules = new[] { new { to = new[] { new { operation = new { paths = new[] { "/admin" } } } } } },
        }));

        var (backendV1, backendV2, legacy) = await StartBackendAndLegacySidecarsAsync(mesh, v1, v2, legacyApp);
        var frontend = await mesh.StartSecureSidecarAsync("frontend", "frontend");
        await frontend.WaitForEndpointAsync(backendV1);
        await frontend.WaitForEndpointAsync(backendV2);
        await frontend.WaitForEndpointAsync(legacy);
        await mesh.SyncAsync(frontend, backendV1, backendV2, legacy);
        return new ObservedMesh(mesh, frontend, backendV1, backendV2, legacy, v1, v2, legacyApp);
    }

    /// <summary>
    /// The callees of the topology: apps for backend v1, v2 (every tenth request 503 after 50 ms) and legacy, their
    /// services, STRICT mTLS, backend's subsets and its 50/50 split without retries.
    /// </summary>
    internal static async Task<(UpstreamServer V1, UpstreamServer V2, UpstreamServer Legacy)> StartBackendAndLegacyAppsAsync(MeshTestBed mesh)
    {
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        v2.Delay = TimeSpan.FromMilliseconds(50);
        v2.FailEveryNth = 10;
        var legacyApp = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.AddServiceAsync("backend", "backend");
        await mesh.Silo.AddServiceAsync("legacy", "legacy");
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await mesh.ApplyAsync(IstioResources.Subsets("backend"));
        await mesh.ApplyAsync(IstioResources.VirtualService("backend", new
        {
            hosts = new[] { "backend" },
            http = new[]
            {
                new
                {
                    name = "split",
                    route = new[]
                    {
                        new { destination = new { host = "backend", subset = "v1" }, weight = 50 },
                        new { destination = new { host = "backend", subset = "v2" }, weight = 50 },
                    },
                    // Every answer counts as it came: Istio's default retry would hide v2's 503s behind v1.
                    retries = new { attempts = 0 },
                },
            },
        }));
        return (v1, v2, legacyApp);
    }

    /// <summary>Sidecars for backend v1 and v2 (SVIDs) and for legacy (no certificate: plaintext).</summary>
    internal static async Task<(SidecarProcess V1, SidecarProcess V2, SidecarProcess Legacy)> StartBackendAndLegacySidecarsAsync(MeshTestBed mesh,
        UpstreamServer v1, UpstreamServer v2, UpstreamServer legacyApp) =>
        (await mesh.StartSecureSidecarAsync("backend-v1", "backend", "backend", v1),
            await mesh.StartSecureSidecarAsync("backend-v2", "backend", "backend", v2),
            await mesh.StartSidecarAsync("legacy-v1", "legacy", legacyApp.Port, "app=legacy,version=v1"));

    /// <summary>Sends <paramref name="count"/> GETs through the frontend's outbound port; returns their status codes.</summary>
    public async Task<List<int>> SendAsync(string url, int count)
    {
        var statuses = new List<int>(count);
        for (var i = 0; i < count; i++)
        {
            using var response = await Frontend.Proxy.GetAsync(url);
            statuses.Add((int)response.StatusCode);
        }

        return statuses;
    }

    public Task<TrafficGraph> GraphAsync(int window, string? ns = null) => GraphAsync(Mesh.Silo, window, ns);

    public static async Task<TrafficGraph> GraphAsync(SiloProcess silo, int window, string? ns = null) =>
        (await silo.Admin.GetFromJsonAsync<TrafficGraph>($"/api/v1/traffic/graph?window={window}{(ns is null ? "" : "&namespace=" + ns)}", MeshJson.Options))!;

    /// <summary>Requests an edge carried over the graph's window (the API gives a rate).</summary>
    public static double Total(TrafficGraph graph, string source, string target) =>
        graph.Edges.Where(e => e.Source == source && e.Target == target).Sum(e => e.RequestsPerSecond * graph.WindowSeconds);

    /// <summary>Polls the graph until <paramref name="ready"/> holds for it; fails with the last graph.</summary>
    public Task<TrafficGraph> WaitForGraphAsync(int window, Func<TrafficGraph, bool> ready, string what) => WaitForGraphAsync(Mesh.Silo, window, ready, what);

    /// <summary>Polls <paramref name="silo"/>'s graph until <paramref name="ready"/> holds for it; fails with the last graph.</summary>
    public static async Task<TrafficGraph> WaitForGraphAsync(SiloProcess silo, int window, Func<TrafficGraph, bool> ready, string what)
    {
        TrafficGraph? last = null;
        await Poll.UntilTrueAsync(async () => ready(last = await GraphAsync(silo, window)), TimeSpan.FromSeconds(20),
            () => $"{what}; last graph: {System.Text.Json.JsonSerializer.Serialize(last, MeshJson.Options)}");
        return last!;
    }
}
