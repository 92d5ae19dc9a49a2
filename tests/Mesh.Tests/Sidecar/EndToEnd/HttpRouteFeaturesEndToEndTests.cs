using System.Net;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// VirtualService features through a real sidecar process, as Istio documents them: rewrite, redirect, query and
/// method matches, regex matches, request and response header operations, and mirroring.
/// </summary>
public sealed class HttpRouteFeaturesEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task VirtualService_RewriteRedirectMatchesHeadersAndMirror_BehaveAsIstioDocuments()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("web", 9080, v1, v2);
        await mesh.ApplyAsync(IstioResources.Subsets("web"));
        await mesh.ApplyAsync(IstioResources.VirtualService("web", new
        {
            hosts = new[] { "web" },
            http = new object[]
            {
                new { match = new[] { new { uri = new { prefix = "/old" } } }, rewrite = new { uri = "/new" }, route = To("v1") },
                new { match = new[] { new { uri = new { exact = "/moved" } } }, redirect = new { uri = "/elsewhere", redirectCode = 302 } },
                new { match = new object[] { new { method = new { exact = "POST" }, queryParams = new Dictionary<string, object> { ["tier"] = new { exact = "gold" } } } }, route = To("v2") },
                new
                {
                    match = new[] { new { uri = new { regex = "/items/[0-9]+" } } },
                    headers = new
                    {
                        request = new { set = new Dictionary<string, string> { ["x-route"] = "regex" }, remove = new[] { "x-secret" } },
                        response = new { add = new Dictionary<string, string> { ["x-served-by"] = "mesh" } },
                    },
                    route = To("v2"),
                },
                new { route = To("v1"), mirror = new { host = "web", subset = "v2" }, mirrorPercentage = new { value = 100.0 } },
            },
        }));
        var client = await mesh.StartSidecarAsync("frontend");
        await mesh.SyncAsync(client);
        using var noRedirects = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{client.OutboundPort}"), UseProxy = true, AllowAutoRedirect = false });

        // rewrite: the prefix matched by the route is replaced.
        using (var rewritten = await noRedirects.GetAsync("http://web:9080/old/page?x=1"))
        {
            Assert.Equal("v1", await rewritten.Content.ReadAsStringAsync());
            Assert.Equal("/new/page?x=1", rewritten.Headers.GetValues("x-seen-path").Single());
        }

        // redirect: answered by the sidecar, the app never sees it.
        var before = v1.Requests + v2.Requests;
        using (var redirected = await noRedirects.GetAsync("http://web:9080/moved"))
        {
            Assert.Equal(HttpStatusCode.Found, redirected.StatusCode);
            Assert.EndsWith("/elsewhere", redirected.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, v1.Requests + v2.Requests);

        // method + queryParams match: both must hold.
        using (var gold = await noRedirects.PostAsync("http://web:9080/?tier=gold", new StringContent("")))
        {
            Assert.Equal("v2", await gold.Content.ReadAsStringAsync());
        }

        // regex match with header operations.
        using (var request = new HttpRequestMessage(HttpMethod.Get, "http://web:9080/items/42") { Headers = { { "x-secret", "s3" } } })
        using (var regex = await noRedirects.SendAsync(request))
        {
            Assert.Equal("v2", await regex.Content.ReadAsStringAsync());
            Assert.Equal("regex", regex.Headers.GetValues("x-seen-req-x-route").Single());
            Assert.False(regex.Headers.Contains("x-seen-req-x-secret"), "x-secret must be removed before the app");
            Assert.Equal("mesh", regex.Headers.GetValues("x-served-by").Single());
        }

        // default route with a 100% mirror to v2: the caller gets v1's answer, v2 also receives a copy.
        var mirroredBefore = v2.Requests;
        using (var plain = await noRedirects.GetAsync("http://web:9080/items/abc"))
        {
            Assert.Equal("v1", await plain.Content.ReadAsStringAsync());
        }

        await Poll.UntilTrueAsync(() => Task.FromResult(v2.Requests > mirroredBefore), TimeSpan.FromSeconds(10), () => "the mirror never reached v2");
    }

    /// <summary>Istio's delegate: the root owns the host and hands /api to a VirtualService without hosts, in another namespace.</summary>
    [Fact]
    public async Task DelegateVirtualService_RootHandsAPrefixToTheDelegate_WhoseMatchesNarrowIt()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync("web", 9080, v1, v2);
        await mesh.ApplyAsync(IstioResources.Subsets("web"));
        await mesh.ApplyAsync(IstioResources.VirtualService("web", new
        {
            hosts = new[] { "web" },
            http = new object[]
            {
                new { match = new[] { new { uri = new { prefix = "/api" } } }, @delegate = new { name = "web-api", @namespace = "default" } },
                new { route = To("v1") },
            },
        }));
        await mesh.ApplyAsync(IstioResources.VirtualService("web-api", new
        {
            http = new object[]
            {
                new { match = new[] { new { uri = new { prefix = "/api/beta" } } }, route = To("v2") },
                new { route = To("v1"), headers = new { response = new { set = new Dictionary<string, string> { ["x-delegate"] = "web-api" } } } },
            },
        }));
        var client = await mesh.StartSidecarAsync("frontend");
        await mesh.SyncAsync(client);

        Assert.Equal("v2", await client.GetThroughAsync("http://web:9080/api/beta/items", HttpStatusCode.OK));
        using var stable = await client.Proxy.GetAsync("http://web:9080/api/items");
        Assert.Equal("v1", await stable.Content.ReadAsStringAsync());
        Assert.Equal("web-api", stable.Headers.GetValues("x-delegate").Single());
        // Outside the delegated prefix the root's own route applies, without the delegate's header.
        using var root = await client.Proxy.GetAsync("http://web:9080/beta");
        Assert.Equal("v1", await root.Content.ReadAsStringAsync());
        Assert.False(root.Headers.Contains("x-delegate"));
    }

    private static object[] To(string subset) => [new { destination = new { host = "web", subset } }];
}
