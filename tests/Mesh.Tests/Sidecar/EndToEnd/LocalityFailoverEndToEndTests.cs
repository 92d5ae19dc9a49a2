using System.Net;
using Mesh.Contracts.Domains;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Istio's locality failover task on loopback: a caller in region-a, backends in regions a, b and c, and a
/// DestinationRule with outlier detection and <c>failover: region-a → region-c</c>. Traffic stays in region-a until
/// its backend is ejected, then moves to region-c, never to region-b.
/// </summary>
public sealed class LocalityFailoverEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Failover_LocalRegionEjected_TrafficMovesToFailoverRegionOnly()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var regionA = await mesh.StartUpstreamAsync("region-a");
        var regionB = await mesh.StartUpstreamAsync("region-b");
        var regionC = await mesh.StartUpstreamAsync("region-c");
        await mesh.Silo.Admin.PutServiceAsync(TestResources.Service("reviews", 9080));
        foreach (var server in new[] { regionA, regionB, regionC })
        {
            await mesh.Silo.Admin.RegisterAsync(new EndpointRegistration
            {
                Service = "reviews",
                Address = "127.0.0.1",
                Port = server.Port,
                Labels = new Dictionary<string, string>
                {
                    ["app"] = "reviews",
                    ["topology.kubernetes.io/region"] = server.Version,
                    ["topology.kubernetes.io/zone"] = $"{server.Version}-zone1",
                },
            });
        }

        await mesh.ApplyAsync(IstioResources.DestinationRule("reviews", new
        {
            host = "reviews",
            trafficPolicy = new
            {
                // A long ejection, so the test sees failover and not the endpoint's return.
                outlierDetection = new { consecutive5xxErrors = 1, interval = "1s", baseEjectionTime = "10m", maxEjectionPercent = 100 },
                loadBalancer = new { localityLbSetting = new { enabled = true, failover = new[] { new { from = "region-a", to = "region-c" } } } },
            },
        }));
        var client = await mesh.StartSidecarAsync("productpage", extraArgs: ["--locality", "region-a/region-a-zone2"]);
        await mesh.SyncAsync(client);

        // Same region, another zone: still the best priority there is.
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("region-a", await client.Proxy.GetStringAsync("http://reviews:9080/"));
        }

        Assert.Equal((0, 0), (regionB.Requests, regionC.Requests));

        // 500, not 503: Istio's default route retries 503 on another endpoint, which would hide the ejecting failure.
        regionA.FailStatus = 500;
        await Poll.UntilTrueAsync(async () =>
        {
            using var response = await client.Proxy.GetAsync("http://reviews:9080/");
            return response.StatusCode == HttpStatusCode.OK && await response.Content.ReadAsStringAsync() == "region-c";
        }, Deadline, () => $"traffic never reached the failover region (a={regionA.Requests}, b={regionB.Requests}, c={regionC.Requests})");

        var failingRequests = regionA.Requests;
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal("region-c", await client.Proxy.GetStringAsync("http://reviews:9080/"));
        }

        Assert.Equal(failingRequests, regionA.Requests);
        Assert.Equal(0, regionB.Requests);
    }
}
