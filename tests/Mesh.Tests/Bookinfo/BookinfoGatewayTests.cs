using Xunit;

namespace Mesh.Tests.Bookinfo;

/// <summary>
/// bookinfo-gateway.yaml through a gateway-mode sidecar labelled <c>istio=ingressgateway</c>: the listed paths reach
/// productpage (through its own inbound sidecar) for any Host, everything else is 404. The Gateway's server port is 80;
/// the gateway listens on a free port, and like Istio's <c>host:*</c> gateway domains the Host port does not matter.
/// </summary>
[Collection(BookinfoCollection.Name)]
public sealed class BookinfoGatewayTests(BookinfoMesh mesh)
{
    [Fact]
    public async Task BookinfoGateway_ListedPathsAnyHost_RoutedToProductpage()
    {
        await mesh.ApplySampleAsync("bookinfo-gateway.yaml");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var gateway = $"http://127.0.0.1:{mesh.Gateway.OutboundPort}";

        foreach (var path in (string[])["/productpage", "/static/bootstrap/css/bootstrap.min.css", "/static", "/login", "/logout", "/api/v1/products", "/api/v1/products/0/reviews"])
        {
            foreach (var host in (string?[])[null, "bookinfo.example.com", "203.0.113.7:80", "anything:8080"])
            {
                Assert.True(await Traffic.SendAsync(client, gateway + path, host: host) == "productpage-v1", $"{path} with Host {host ?? "127.0.0.1:port"} did not reach productpage");
            }
        }
    }

    [Fact]
    public async Task BookinfoGateway_UnlistedPaths_404()
    {
        await mesh.ApplySampleAsync("bookinfo-gateway.yaml");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var gateway = $"http://127.0.0.1:{mesh.Gateway.OutboundPort}";
        var before = mesh.App("productpage-v1").Requests;

        foreach (var path in (string[])["/", "/reviews/0", "/productpage/extra", "/loginx", "/api/v1/other"])
        {
            Assert.True(await Traffic.SendAsync(client, gateway + path, host: "bookinfo.example.com") == "404", $"{path} was routed");
        }

        Assert.Equal(before, mesh.App("productpage-v1").Requests);
    }

    [Fact]
    public async Task BookinfoGateway_OrdinarySidecar_DoesNotServeGatewayRoutes()
    {
        await mesh.ApplySampleAsync("bookinfo-gateway.yaml");

        // The VirtualService binds only to bookinfo-gateway (not mesh), so productpage's sidecar has no route for "*".
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal("404", await Traffic.SendAsync(client, $"http://127.0.0.1:{mesh.Productpage.OutboundPort}/productpage", host: "bookinfo.example.com"));
    }
}
