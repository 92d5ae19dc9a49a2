using Mesh.Tests.Observability;
using Mesh.Tests.Sidecar;
using Mesh.Tests.Sidecar.EndToEnd;
using Mesh.Tests.Sidecar.Security;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// The dashboard issue's topology, every hop a real process: an ingress gateway (gateway-mode sidecar with an SVID)
/// → frontend (its sidecar and a <see cref="ForwardingApp"/>) → backend v1/v2 (split 50/50 by subset; v2 answers
/// every tenth request 503 after 50 ms), all STRICT mutual TLS; plus a plaintext hop from frontend to legacy (a
/// sidecar without a certificate) and a call to a MESH_EXTERNAL ServiceEntry host. The test sends everything
/// through the gateway: <c>/backend</c>, <c>/legacy</c> and <c>/external</c>.
/// </summary>
internal sealed class IngressMesh
{
    public const string ExternalHost = "api.payments.example";

    private IngressMesh(SidecarProcess gateway, SidecarProcess frontend, UpstreamServer v1, UpstreamServer v2, UpstreamServer legacyApp, UpstreamServer externalApp)
    {
        Gateway = gateway;
        Frontend = frontend;
        V1 = v1;
        V2 = v2;
        LegacyApp = legacyApp;
        ExternalApp = externalApp;
    }

    public SidecarProcess Gateway { get; }
    public SidecarProcess Frontend { get; }
    public UpstreamServer V1 { get; }
    public UpstreamServer V2 { get; }
    public UpstreamServer LegacyApp { get; }
    public UpstreamServer ExternalApp { get; }

    /// <summary>Where a client outside the mesh sends requests: the gateway's listener.</summary>
    public Uri Entry => new($"http://127.0.0.1:{Gateway.OutboundPort}/");

    public static async Task<IngressMesh> StartAsync(MeshTestBed mesh)
    {
        var (v1, v2, legacyApp) = await ObservedMesh.StartBackendAndLegacyAppsAsync(mesh);
        var externalApp = await mesh.StartUpstreamAsync("v1");
        var frontendApp = mesh.Own(await ForwardingApp.StartAsync(new Dictionary<string, string>
        {
            ["backend"] = "http://backend:9080/",
            ["legacy"] = "http://legacy:9080/",
            ["external"] = $"http://{ExternalHost}/",
        }));
        await mesh.Silo.AddServiceAsync("frontend", "frontend");
        await mesh.ApplyAsync(IstioResources.ServiceEntry("payments", new
        {
            hosts = new[] { ExternalHost },
            location = "MESH_EXTERNAL",
            resolution = "STATIC",
            ports = new[] { new { number = 80, name = "http", protocol = "HTTP", targetPort = externalApp.Port } },
            endpoints = new[] { new { address = "127.0.0.1" } },
        }));
        await mesh.ApplyAsync(IstioResources.Gateway("ingress", new
        {
            selector = new { istio = "ingressgateway" },
            servers = new[] { new { port = new { number = 80, name = "http", protocol = "HTTP" }, hosts = new[] { "*" } } },
        }));
        await mesh.ApplyAsync(IstioResources.VirtualService("frontend-ingress", new
        {
            hosts = new[] { "*" },
            gateways = new[] { "ingress" },
            http = new[] { new { route = new[] { new { destination = new { host = "frontend", port = new { number = 9080 } } } }, retries = new { attempts = 0 } } },
        }));

        var (backendV1, backendV2, legacy) = await ObservedMesh.StartBackendAndLegacySidecarsAsync(mesh, v1, v2, legacyApp);
        var frontend = await mesh.StartSidecarAsync("frontend-v1", "frontend", frontendApp.Port, "app=frontend,version=v1",
            extraArgs: ["--join-token", await mesh.Silo.JoinTokenAsync("frontend")]);
        frontendApp.Outbound = frontend.Proxy;
        var gateway = await mesh.StartSidecarAsync("ingress-v1", labels: "istio=ingressgateway,app=ingress,version=v1",
            extraArgs: ["--mode", "gateway", "--join-token", await mesh.Silo.JoinTokenAsync("ingress")]);
        await frontend.WaitForEndpointAsync(backendV1);
        await frontend.WaitForEndpointAsync(backendV2);
        await frontend.WaitForEndpointAsync(legacy);
        await gateway.WaitForEndpointAsync(frontend);
        await mesh.SyncAsync(gateway, frontend, backendV1, backendV2, legacy);
        return new IngressMesh(gateway, frontend, v1, v2, legacyApp, externalApp);
    }
}
