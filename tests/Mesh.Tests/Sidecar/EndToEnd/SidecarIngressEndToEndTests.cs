using System.Net;
using Mesh.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Istio Sidecar <c>ingress</c> listeners through real sidecars: requests a caller addresses to the workload's port 9080
/// go to the listener's defaultEndpoint (another loopback port, then a Unix domain socket) instead of the app port,
/// and back to the app port when the Sidecar resource goes.
/// </summary>
public sealed class SidecarIngressEndToEndTests(ITestOutputHelper log)
{
    [Fact]
    public async Task SidecarIngress_DefaultEndpointPortOrUnixSocket_ReceivesTheWorkloadPortsRequests()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        var appPort = await bed.StartUpstreamAsync("app-port");
        var ingressPort = await bed.StartUpstreamAsync("ingress-port");
        var socket = Path.Combine(bed.Directory, "app.sock");
        await using var unixApp = await StartUnixAppAsync(socket);
        await bed.Silo.Admin.PutServiceAsync(TestResources.Service("echo", 9080));
        var server = await bed.StartSidecarAsync("echo-v1", service: "echo", appPort: appPort.Port, labels: "app=echo,version=v1");
        var client = await bed.StartSidecarAsync("caller");
        await Poll.UntilTrueAsync(async () => (await client.Admin.GetStringAsync("/config_dump")).Contains($"\"sidecarPort\":{server.InboundPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "the echo endpoint never reached the caller");
        Assert.Equal("app-port", await client.GetThroughAsync("http://echo:9080/", HttpStatusCode.OK));

        await ApplyIngressAsync(bed, server, $"127.0.0.1:{ingressPort.Port}");
        Assert.Equal("ingress-port", await client.GetThroughAsync("http://echo:9080/", HttpStatusCode.OK));

        await ApplyIngressAsync(bed, server, $"unix://{socket}");
        Assert.Equal("unix socket app saw echo:9080", await client.GetThroughAsync("http://echo:9080/", HttpStatusCode.OK));

        using (var deleted = await bed.Silo.Admin.DeleteAsync("/api/v1/namespaces/default/resources/Sidecar/echo"))
        {
            Assert.True(deleted.IsSuccessStatusCode, $"delete Sidecar: {(int)deleted.StatusCode}");
        }

        await bed.SyncAsync(server);
        Assert.Equal("app-port", await client.GetThroughAsync("http://echo:9080/", HttpStatusCode.OK));
        Assert.Equal(1, ingressPort.Requests);
    }

    private static async Task ApplyIngressAsync(MeshTestBed bed, SidecarProcess server, string defaultEndpoint)
    {
        await bed.ApplyAsync(IstioResources.Sidecar("echo", new
        {
            workloadSelector = new { labels = new { app = "echo" } },
            ingress = new[] { new { port = new { number = 9080, protocol = "HTTP", name = "http" }, defaultEndpoint } },
        }));
        await bed.SyncAsync(server);
    }

    private static async Task<WebApplication> StartUnixAppAsync(string path)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ListenUnixSocket(path));
        var app = builder.Build();
        app.MapGet("/", (Microsoft.AspNetCore.Http.HttpContext context) => $"unix socket app saw {context.Request.Host}");
        await app.StartAsync();
        return app;
    }
}
