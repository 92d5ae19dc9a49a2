using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// Rendering only: the traffic API's answer is replaced in the browser by a fixed body in its documented shape, so
/// these tests check how the page draws edges (numbers, mTLS badge, health classes, the edge panel), not the silo's
/// measurements. Everything else the page reads comes from the real silo.
/// </summary>
public sealed class DashboardRenderingTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 5000 };

    [Fact]
    public async Task Graph_RendersEdgesFromTrafficApi()
    {
        await using var dashboard = await fixture.OpenAsync(page => FulfillTrafficAsync(page, SampleGraph));

        var degraded = dashboard.EdgeRow("shop/frontend-v1", "shop/backend-v2");
        await Expect(degraded.GetByTestId("edge-rate")).ToHaveTextAsync("5.1 rps", new() { Timeout = 5000 });
        await Expect(degraded.GetByTestId("edge-5xx")).ToHaveTextAsync("10.0 %");
        await Expect(degraded.GetByTestId("edge-4xx")).ToHaveTextAsync("2.5 %");
        await Expect(degraded.GetByTestId("edge-denied")).ToHaveTextAsync("0.4/s");
        await Expect(degraded.GetByTestId("edge-p50")).ToHaveTextAsync("51.2 ms");
        await Expect(degraded.GetByTestId("edge-p99")).ToHaveTextAsync("80.0 ms");
        await Expect(degraded.GetByTestId("mtls-badge")).ToHaveTextAsync("100 %");
        await Expect(degraded.GetByTestId("mtls-badge")).ToHaveClassAsync(Class("mtls-full"));
        await Expect(degraded).ToHaveClassAsync(Class("health-degraded"));

        var plaintext = dashboard.EdgeRow("unknown", "shop/frontend-v1");
        await Expect(plaintext.GetByTestId("mtls-badge")).ToHaveTextAsync("0 %");
        await Expect(plaintext.GetByTestId("mtls-badge")).ToHaveClassAsync(Class("mtls-none"));
        await Expect(plaintext).ToHaveClassAsync(Class("health-healthy"));

        var partial = dashboard.EdgeRow("shop/frontend-v1", "shop/ratings-v1");
        await Expect(partial.GetByTestId("mtls-badge")).ToHaveTextAsync("50.0 %");
        await Expect(partial.GetByTestId("mtls-badge")).ToHaveClassAsync(Class("mtls-partial"));
        await Expect(partial).ToHaveClassAsync(Class("health-failing"));

        // An edge that carried nothing in the window is grey, whatever its (healthy) verdict.
        await Expect(dashboard.EdgeRow("shop/backend-v2", "shop/db-v1")).ToHaveClassAsync(Class("health-idle"));
        await Expect(dashboard.NodeRow("shop/backend-v2").GetByTestId("node-health")).ToHaveTextAsync("degraded");
        await Expect(dashboard.ByTestId("graph-note")).ToBeEmptyAsync();
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-traffic-edges");
    }

    [Fact]
    public async Task EdgePanel_ClickConnection_ShowsDenialsApartAndRoutes()
    {
        await using var dashboard = await fixture.OpenAsync(page => FulfillTrafficAsync(page, SampleGraph));

        await dashboard.EdgeRow("shop/frontend-v1", "shop/backend-v2").ClickAsync();

        var details = dashboard.ByTestId("side-panel").GetByTestId("edge-details");
        await Expect(details.GetByTestId("detail-rate")).ToHaveTextAsync("5.1 rps", new() { Timeout = 5000 });
        await Expect(details.GetByTestId("detail-5xx")).ToHaveTextAsync("10.0 %");
        await Expect(details.GetByTestId("detail-4xx")).ToHaveTextAsync("2.5 %");
        await Expect(details.GetByTestId("detail-denied")).ToHaveTextAsync("0.4/s");
        await Expect(details.GetByTestId("detail-p99")).ToHaveTextAsync("80.0 ms");
        await Expect(details.GetByTestId("detail-mtls")).ToContainTextAsync("100 %");
        var routes = dashboard.ByTestId("route-table").GetByTestId("route-row");
        await Expect(routes).ToHaveCountAsync(2);
        await Expect(routes.Nth(0)).ToContainTextAsync("backend");
        await Expect(routes.Nth(0)).ToContainTextAsync("v2");
        await Expect(routes.Nth(0)).ToContainTextAsync("4.1 rps");
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-edge-panel");
    }

    [Fact]
    public async Task Graph_ClickNodeOnCanvas_OpensItsPanel()
    {
        await using var dashboard = await fixture.OpenAsync(page => FulfillTrafficAsync(page, SampleGraph));
        await Expect(dashboard.ByTestId("node-count")).ToHaveTextAsync("(6)", new() { Timeout = 5000 });

        var box = await dashboard.ByTestId("graph").BoundingBoxAsync();
        var node = await dashboard.Page.EvaluateAsync<JsonElement>("() => window.meshDashboardNodeOnScreen('shop/backend-v2')");
        await dashboard.Page.Mouse.ClickAsync(box!.X + node.GetProperty("x").GetSingle(), box.Y + node.GetProperty("y").GetSingle());

        var panel = dashboard.ByTestId("side-panel");
        await Expect(panel.GetByTestId("panel-title")).ToHaveTextAsync("backend-v2", new() { Timeout = 5000 });
        await Expect(panel.GetByTestId("panel-health")).ToHaveTextAsync("degraded");
        await Expect(dashboard.NodeRow("shop/backend-v2")).ToHaveClassAsync(Class("selected"));
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-canvas-click");
    }

    [Fact]
    public async Task Graph_ExternalHostAndTcpConnections_DrawnApartFromWorkloadsAndRequests()
    {
        await using var dashboard = await fixture.OpenAsync(page => FulfillTrafficAsync(page, ExternalAndTcpGraph));

        // The external host: its own kind, named by the host.
        var external = dashboard.NodeRow("external:api.payments.example");
        await Expect(external).ToHaveAttributeAsync("data-kind", "external", new() { Timeout = 5000 });
        await Expect(external.GetByTestId("node-workload")).ToContainTextAsync("api.payments.example");
        await Expect(external.GetByTestId("node-kind")).ToHaveTextAsync("external");
        var toExternal = dashboard.EdgeRow("shop/frontend-v1", "external:api.payments.example");
        await Expect(toExternal.GetByTestId("edge-rate")).ToHaveTextAsync("3.0 rps");
        await Expect(toExternal.GetByTestId("mtls-badge")).ToHaveTextAsync("0 %");
        Assert.Contains("kind-external", await ElementClassesAsync(dashboard.Page, "external:api.payments.example"), StringComparison.Ordinal);

        // HTTP and TCP between the same two workloads are two rows (and two arrows); the TCP one counts connections and bytes.
        var tcp = dashboard.EdgeRow("shop/frontend-v1", "shop/db-v1", "tcp");
        await Expect(tcp.GetByTestId("edge-protocol")).ToHaveTextAsync("TCP");
        await Expect(tcp.GetByTestId("edge-rate")).ToHaveTextAsync("2.5 conn/s");
        await Expect(tcp.GetByTestId("edge-bytes-out")).ToHaveTextAsync("→ 1.5 KB/s");
        await Expect(tcp.GetByTestId("edge-bytes-back")).ToHaveTextAsync("← 2.4 MB/s");
        await Expect(tcp.GetByTestId("edge-5xx")).ToHaveTextAsync("–");
        await Expect(tcp.GetByTestId("mtls-badge")).ToHaveTextAsync("100 %");
        await Expect(tcp).ToHaveClassAsync(Class("health-healthy"));
        await Expect(dashboard.EdgeRow("shop/frontend-v1", "shop/db-v1", "http").GetByTestId("edge-rate")).ToHaveTextAsync("1.0 rps");
        Assert.Contains("protocol-tcp", await ElementClassesAsync(dashboard.Page, "shop/frontend-v1->shop/db-v1#tcp"), StringComparison.Ordinal);

        await tcp.ClickAsync();
        var details = dashboard.ByTestId("side-panel").GetByTestId("edge-details");
        await Expect(details.GetByTestId("detail-connections")).ToHaveTextAsync("2.5 conn/s", new() { Timeout = 5000 });
        await Expect(details.GetByTestId("detail-failed")).ToHaveTextAsync("0 %");
        await Expect(details.GetByTestId("detail-bytes-back")).ToHaveTextAsync("2.4 MB/s");
        await Expect(dashboard.EdgeRow("shop/frontend-v1", "shop/db-v1", "tcp")).ToHaveClassAsync(Class("selected"));
        await Expect(dashboard.EdgeRow("shop/frontend-v1", "shop/db-v1", "http")).Not.ToHaveClassAsync(Class("selected"));
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-external-and-tcp");
    }

    [Fact]
    public async Task Graph_HundredServices_LaysOutOnceAndKeepsPositionsAcrossRefreshes()
    {
        var large = LargeGraph(100);
        await using var dashboard = await fixture.OpenAsync(page => FulfillTrafficAsync(page, large));
        await Expect(dashboard.ByTestId("node-count")).ToHaveTextAsync("(100)", new() { Timeout = 10000 });
        var before = await NodePositionsAsync(dashboard.Page);

        // Two more refreshes with the same node set (the page counts them) must not move anything.
        var refreshes = await dashboard.Page.EvaluateAsync<int>("() => window.meshDashboardRefreshes ?? -1");
        await dashboard.Page.WaitForFunctionAsync($"() => window.meshDashboardRefreshes >= {refreshes + 2}", null, new() { Timeout = 10000 });

        Assert.Equal(before, await NodePositionsAsync(dashboard.Page));
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-hundred-services");
    }

    /// <summary>Matches a class attribute that holds <paramref name="name"/> among others.</summary>
    /// <remarks>No RegexOptions: Playwright sends the pattern to the browser as a JavaScript RegExp.</remarks>
    private static Regex Class(string name) => new($@"(^|\s){Regex.Escape(name)}(\s|$)");

    /// <summary>The classes of a graph element on the canvas (there is no DOM element to read them from).</summary>
    private static Task<string> ElementClassesAsync(IPage page, string id) =>
        page.EvaluateAsync<string>("id => window.meshDashboardElementClasses(id)", id);

    private static Task<string> NodePositionsAsync(IPage page) =>
        page.EvaluateAsync<string>("() => window.meshDashboardNodePositions()");

    private static Task FulfillTrafficAsync(IPage page, string body) =>
        page.RouteAsync("**/api/v1/traffic/graph**", route => route.FulfillAsync(new() { Status = 200, ContentType = "application/json", Body = body }));

    private static readonly string SampleGraph = JsonSerializer.Serialize(new
    {
        windowSeconds = 10,
        generatedAt = "2026-12-02T16:00:00+00:00",
        nodes = new object[]
        {
            Node("unknown", "", "", "", "", "unknown", 0, 0, "healthy"),
            Node("shop/ingress", "shop", "ingress", "ingress", "", "gateway", 0, 0, "healthy"),
            Node("shop/frontend-v1", "shop", "frontend-v1", "frontend", "v1", "workload", 12.3, 0, "healthy"),
            Node("shop/backend-v2", "shop", "backend-v2", "backend", "v2", "workload", 5.1, 0.1, "degraded"),
            Node("shop/ratings-v1", "shop", "ratings-v1", "ratings", "v1", "workload", 2.0, 0.25, "failing"),
            Node("shop/db-v1", "shop", "db-v1", "db", "v1", "workload", 0, 0, "idle"),
        },
        edges = new object[]
        {
            Edge("unknown", "shop/frontend-v1", "frontend.shop.svc.cluster.local", 7.2, 0, 0, 0, 10, 20, 0.0, "healthy", []),
            Edge("shop/ingress", "shop/frontend-v1", "frontend.shop.svc.cluster.local", 5.1, 0, 0, 0, 8, 15, 1.0, "healthy", []),
            Edge("shop/frontend-v1", "shop/backend-v2", "backend.shop.svc.cluster.local", 5.1, 0.1, 0.025, 0.4, 51.2, 80, 1.0, "degraded",
                [new { route = "backend", subset = "v2", requestsPerSecond = 4.1 }, new { route = "backend-canary", subset = "v3", requestsPerSecond = 1.0 }]),
            Edge("shop/frontend-v1", "shop/ratings-v1", "ratings.shop.svc.cluster.local", 2.0, 0.25, 0, 0, 30, 120, 0.5, "failing", []),
            Edge("shop/backend-v2", "shop/db-v1", "db.shop.svc.cluster.local", 0, 0, 0, 0, null, null, null, "healthy", []),
        },
    });

    private static readonly string ExternalAndTcpGraph = JsonSerializer.Serialize(new
    {
        windowSeconds = 10,
        generatedAt = "2026-12-02T16:00:00+00:00",
        nodes = new object[]
        {
            Node("shop/frontend-v1", "shop", "frontend-v1", "frontend", "v1", "workload", 0, 0, "idle"),
            Node("shop/db-v1", "shop", "db-v1", "db", "v1", "workload", 1.0, 0, "healthy"),
            Node("external:api.payments.example", "shop", "api.payments.example", "", "", "external", 3.0, 0, "healthy"),
        },
        edges = new object[]
        {
            Edge("shop/frontend-v1", "external:api.payments.example", "api.payments.example", 3.0, 0, 0, 0, 80, 120, 0.0, "healthy", []),
            Edge("shop/frontend-v1", "shop/db-v1", "db.shop.svc.cluster.local", 1.0, 0, 0, 0, 2, 4, 1.0, "healthy", []),
            new
            {
                source = "shop/frontend-v1", target = "shop/db-v1", destinationService = "db.shop.svc.cluster.local", protocol = "tcp",
                requestsPerSecond = 0.0, errorRate = 0.0, clientErrorRate = 0.0, deniedPerSecond = 0.0, mtlsShare = 1.0, health = "healthy",
                connectionsPerSecond = 2.5, receivedBytesPerSecond = 1500.0, sentBytesPerSecond = 2_400_000.0, routes = Array.Empty<object>(),
            },
        },
    });

    /// <summary>A layered mesh of <paramref name="count"/> services: 10 layers of 10, each calling two in the next layer.</summary>
    private static string LargeGraph(int count)
    {
        var ids = Enumerable.Range(0, count).Select(i => $"big/svc-{i:D3}-v1").ToList();
        var nodes = ids.Select((id, i) => Node(id, "big", id[4..], $"svc-{i:D3}", "v1", "workload", 1.5, 0, "healthy")).ToList();
        var edges = new List<object>();
        for (var i = 0; i < count - 10; i++)
        {
            edges.Add(Edge(ids[i], ids[((i / 10) + 1) * 10 + (i % 10)], "x", 1.0, 0, 0, 0, 5, 9, 1.0, "healthy", []));
            edges.Add(Edge(ids[i], ids[((i / 10) + 1) * 10 + ((i + 3) % 10)], "x", 0.5, 0.02, 0, 0, 5, 9, 1.0, "healthy", []));
        }

        return JsonSerializer.Serialize(new { windowSeconds = 10, generatedAt = DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture), nodes, edges });
    }

    private static object Node(string id, string ns, string workload, string app, string version, string kind, double rps, double errorRate, string health) =>
        new { id, @namespace = ns, workload, app, version, kind, requestsPerSecond = rps, errorRate, health };

    private static object Edge(string source, string target, string service, double rps, double errorRate, double clientErrorRate, double denied,
        double? p50, double? p99, double? mtls, string health, object[] routes) =>
        new
        {
            source, target, destinationService = service, requestsPerSecond = rps, errorRate, clientErrorRate, deniedPerSecond = denied,
            p50Ms = p50, p99Ms = p99, mtlsShare = mtls, health, routes,
        };
}
