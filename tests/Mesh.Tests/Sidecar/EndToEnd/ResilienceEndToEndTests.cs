using System.Diagnostics;
using System.Net;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>Outlier ejection, retries, timeouts, rate limits and pool limits, configured with Istio resources.</summary>
public sealed class ResilienceEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task OutlierDetection_FailingInstance_EjectedThenReturnsWhenHealed()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var healthy = await mesh.StartUpstreamAsync("v1");
        var failing = await mesh.StartUpstreamAsync("v2");
        // 500, not 503: Istio's default route retries 503 on another endpoint, which would hide the failures.
        failing.FailStatus = 500;
        await mesh.AddServiceAsync("reviews", 9080, healthy, failing);
        await mesh.ApplyAsync(IstioResources.Subsets("reviews", new
        {
            outlierDetection = new { consecutive5xxErrors = 3, interval = "1s", baseEjectionTime = "2s", maxEjectionPercent = 100 },
        }));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        // Round robin gives the failing instance every other request: three of them eject it.
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.Proxy.GetAsync("http://reviews:9080/");
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(3, statuses.Count(s => s == HttpStatusCode.InternalServerError));
        var failingBefore = failing.Requests;
        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", await client.Proxy.GetStringAsync("http://reviews:9080/"));
        }

        Assert.Equal(failingBefore, failing.Requests);

        failing.FailStatus = 0;
        await Poll.UntilTrueAsync(async () => await client.Proxy.GetStringAsync("http://reviews:9080/") == "v2", TimeSpan.FromSeconds(20),
            () => "the healed instance never came back after its ejection time");
    }

    [Fact]
    public async Task Retry_OneInstanceFailing_EveryRequestSucceedsOnAnotherEndpoint()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var healthy = await mesh.StartUpstreamAsync("v1");
        var failing = await mesh.StartUpstreamAsync("v2");
        failing.FailStatus = 503;
        await mesh.AddServiceAsync("reviews", 9080, healthy, failing);
        await mesh.ApplyAsync(IstioResources.VirtualService("reviews", new
        {
            hosts = new[] { "reviews" },
            http = new[] { new { route = new[] { new { destination = new { host = "reviews" } } }, retries = new { attempts = 2, perTryTimeout = "2s", retryOn = "5xx" } } },
        }));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        for (var i = 0; i < 40; i++)
        {
            using var response = await client.Proxy.GetAsync("http://reviews:9080/");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.True(failing.Requests >= 10, $"the failing instance was tried ({failing.Requests} times) and its failures retried");
        await client.Process.WaitForOutputAsync("\"retries\":1", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Timeout_UpstreamSlowerThanRouteTimeout_504WithUtFlag()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var slow = await mesh.StartUpstreamAsync("v1");
        slow.Delay = TimeSpan.FromSeconds(20);
        await mesh.AddServiceAsync("reviews", 9080, slow);
        await mesh.ApplyAsync(IstioResources.VirtualService("reviews", new
        {
            hosts = new[] { "reviews" },
            http = new[] { new { route = new[] { new { destination = new { host = "reviews" } } }, timeout = "500ms" } },
        }));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        var clock = Stopwatch.StartNew();
        using var response = await client.Proxy.GetAsync("http://reviews:9080/");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), "answered by the route timeout, not by the upstream");
        await client.WaitForMetricAsync("response_code=\"504\",response_flags=\"UT\"");
    }

    [Fact]
    public async Task RateLimit_BurstExceeded_429WithRlFlag()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var v1 = await mesh.StartUpstreamAsync("v1");
        await mesh.AddServiceAsync("reviews", 9080, v1);
        await mesh.ApplyAsync(IstioResources.Subsets("reviews", annotations: new Dictionary<string, string>
        {
            ["ratelimit.mesh.dev/requests-per-second"] = "1",
            ["ratelimit.mesh.dev/burst"] = "3",
        }));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        var statuses = new List<HttpStatusCode>();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        for (var i = 0; i < 10; i++)
        {
            using var response = await client.Proxy.GetAsync("http://reviews:9080/");
            statuses.Add(response.StatusCode);
        }

        // The bucket starts full (the burst) and gains one token a second, so besides the burst at most one request
        // per started second of the loop passes (a slow first request on a busy machine may earn one refill).
        var refills = (int)Math.Ceiling(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        var passed = statuses.Count(s => s == HttpStatusCode.OK);
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses.Take(3));
        Assert.InRange(passed, 3, 3 + refills);
        Assert.Equal(10 - passed, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        await client.WaitForMetricAsync("response_code=\"429\",response_flags=\"RL\"");
    }

    [Fact]
    public async Task ConnectionPool_MoreConcurrentRequestsThanAllowed_Overflow503WithUoFlag()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var slow = await mesh.StartUpstreamAsync("v1");
        slow.Delay = TimeSpan.FromSeconds(2);
        await mesh.AddServiceAsync("reviews", 9080, slow);
        await mesh.ApplyAsync(IstioResources.Subsets("reviews", new { connectionPool = new { http = new { http2MaxRequests = 1 } } }));
        var client = await mesh.StartSidecarAsync("productpage");
        await mesh.SyncAsync(client);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            using var response = await client.Proxy.GetAsync("http://reviews:9080/");
            return response.StatusCode;
        }));

        Assert.Equal(1, responses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(3, responses.Count(s => s == HttpStatusCode.ServiceUnavailable));
        await client.WaitForMetricAsync("response_flags=\"UO\"");
    }
}
