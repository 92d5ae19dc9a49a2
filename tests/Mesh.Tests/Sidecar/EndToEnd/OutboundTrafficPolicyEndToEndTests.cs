using System.Net;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Istio's "Accessing External Services" through a real sidecar: a namespace-default Sidecar with
/// <c>outboundTrafficPolicy</c> REGISTRY_ONLY refuses a host without a ServiceEntry (502, flag NR, a log line naming
/// it) while the ServiceEntry's host passes; ALLOW_ANY passes the unknown host straight to the address it names; with
/// an egressProxy it goes to the proxy's cluster instead.
/// </summary>
public sealed class OutboundTrafficPolicyEndToEndTests(ITestOutputHelper log)
{
    [Fact]
    public async Task OutboundTrafficPolicy_RegistryOnlyBlocks_AllowAnyPassesThrough_EgressProxyCatchesUnknownHosts()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        var registered = await bed.StartUpstreamAsync("registered");
        var unregistered = await bed.StartUpstreamAsync("unregistered");
        await bed.ApplyAsync(IstioResources.ServiceEntry("known", new
        {
            hosts = new[] { "known.example.test" },
            location = "MESH_EXTERNAL",
            resolution = "STATIC",
            ports = new[] { new { number = 80, name = "http", protocol = "HTTP", targetPort = registered.Port } },
            endpoints = new[] { new { address = "127.0.0.1" } },
        }));
        var client = await bed.StartSidecarAsync("client", labels: "app=client,version=v1");
        var unknownHost = $"localhost:{unregistered.Port}";

        await ApplyPolicyAsync(bed, client, new { mode = "REGISTRY_ONLY" });
        Assert.Equal("registered", await client.GetThroughAsync("http://known.example.test/", HttpStatusCode.OK));
        Assert.Contains("REGISTRY_ONLY", await client.GetThroughAsync($"http://{unknownHost}/", HttpStatusCode.BadGateway), StringComparison.Ordinal);
        await client.Process.WaitForOutputAsync($"Refused a request to {unknownHost}", TimeSpan.FromSeconds(10));
        await client.WaitForMetricAsync("response_code=\"502\",response_flags=\"NR\"");
        Assert.Contains("\"upstream_cluster\":\"BlackHoleCluster\"", client.Process.Output, StringComparison.Ordinal);
        Assert.Equal(0, unregistered.Requests);

        await ApplyPolicyAsync(bed, client, new { mode = "ALLOW_ANY" });
        Assert.Equal("unregistered", await client.GetThroughAsync($"http://{unknownHost}/", HttpStatusCode.OK));
        Assert.Equal("registered", await client.GetThroughAsync("http://known.example.test/", HttpStatusCode.OK));
        Assert.Contains("\"upstream_cluster\":\"PassthroughCluster\"", client.Process.Output, StringComparison.Ordinal);
        // A passthrough to the sidecar's own outbound listener would call itself forever; it is refused instead.
        await client.GetThroughAsync($"http://127.0.0.1:{client.OutboundPort}/", HttpStatusCode.NotFound);

        await ApplyPolicyAsync(bed, client, new { mode = "ALLOW_ANY", egressProxy = new { host = "known.example.test", port = new { number = 80 } } });
        var before = registered.Requests;
        Assert.Equal("registered", await client.GetThroughAsync("http://anything.example.test/", HttpStatusCode.OK));
        Assert.Equal("registered", await client.GetThroughAsync($"http://{unknownHost}/", HttpStatusCode.OK));
        Assert.Equal(before + 2, registered.Requests);
        Assert.Equal(1, unregistered.Requests);
    }

    private static async Task ApplyPolicyAsync(MeshTestBed bed, SidecarProcess client, object policy)
    {
        await bed.ApplyAsync(IstioResources.Sidecar("default", new { outboundTrafficPolicy = policy }));
        await bed.SyncAsync(client);
    }
}
