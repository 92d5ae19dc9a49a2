using System.Net;
using System.Text.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// The dashboard in a real Chromium against a real silo: the registry's services as nodes, the analysis findings
/// within a refresh of a configuration change, a node's endpoints and sidecars. Each test has a namespace of its own.
/// </summary>
public sealed class DashboardTests(DashboardFixture fixture) : IClassFixture<DashboardFixture>
{
    // The page polls once a second; five seconds leave room for a loaded machine without hiding a page that never updates.
    private static readonly LocatorAssertionsToContainTextOptions Soon = new() { Timeout = 5000 };
    private static readonly LocatorAssertionsToBeVisibleOptions Visible = new() { Timeout = 5000 };

    [Fact]
    public async Task Dashboard_RegisteredServices_ShownAsNodes()
    {
        const string Ns = "dash-nodes";
        await fixture.Silo.Admin.PutServiceAsync(TestResources.Service("productpage", ns: Ns));
        await fixture.Silo.Admin.PutServiceAsync(TestResources.Service("reviews", ns: Ns));
        await fixture.Silo.Admin.RegisterAsync(new EndpointRegistration { Service = "reviews", Address = "10.1.0.1", Port = 9080, Labels = Version("v1") }, Ns);

        await using var dashboard = await fixture.OpenAsync();
        await dashboard.SelectNamespaceAsync(Ns);

        await Expect(dashboard.NodeRow($"{Ns}/productpage")).ToBeVisibleAsync(Visible);
        await Expect(dashboard.NodeRow($"{Ns}/reviews").GetByTestId("node-version")).ToContainTextAsync("v1", Soon);
        await Expect(dashboard.ByTestId("node-row")).ToHaveCountAsync(2);
        if (!await TrafficApiExistsAsync())
        {
            // Until the silo measures traffic, the graph is the registry's, and says why it has no edges.
            await Expect(dashboard.ByTestId("graph-note")).ToContainTextAsync("no traffic data", Soon);
        }

        await Expect(dashboard.ByTestId("graph").Locator("canvas").First).ToBeVisibleAsync();
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-registry-nodes");
    }

    [Fact]
    public async Task ValidationPanel_VirtualServiceNamesMissingSubset_ShowsFindingWithinARefresh()
    {
        const string Ns = "dash-validation";
        await fixture.Silo.Admin.PutServiceAsync(TestResources.Service("reviews", ns: Ns));
        await fixture.Silo.Admin.PutResourceAsync(DestinationRule("reviews", Ns, "v1"));

        await using var dashboard = await fixture.OpenAsync();
        await dashboard.SelectNamespaceAsync(Ns);
        await Expect(dashboard.ByTestId("validation-empty")).ToBeVisibleAsync(Visible);

        await fixture.Silo.Admin.PutResourceAsync(RouteToSubset("reviews", Ns, "v2"));

        var finding = dashboard.ByTestId("validation-row").Filter(new() { HasText = "IST0101" });
        await Expect(finding).ToContainTextAsync("Referenced host+subset in destinationrule not found", Soon);
        await Expect(finding.GetByTestId("validation-resource")).ToContainTextAsync($"VirtualService {Ns}/reviews");
        await Expect(finding.GetByTestId("validation-level")).ToContainTextAsync("Error");
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-validation-finding");
    }

    [Fact]
    public async Task NodePanel_ClickService_ShowsEndpointsSidecarSyncAndFindings()
    {
        const string Ns = "dash-panel";
        await fixture.Silo.Admin.PutServiceAsync(TestResources.Service("ratings", ns: Ns));
        await fixture.Silo.Admin.RegisterAsync(new EndpointRegistration { Service = "ratings", Address = "10.2.0.7", Port = 9080, Labels = Version("v1") }, Ns);
        await fixture.Silo.Admin.PutResourceAsync(RouteToSubset("ratings", Ns, "v3"));
        await using var sidecar = await TestSubscriber.ConnectAsync(fixture.Silo.BaseAddress,
            new NodeInfo { Id = "ratings-v1-0001", Namespace = Ns, Service = "ratings", Labels = Version("v1") }, SiloProcess.AdminToken);

        await using var dashboard = await fixture.OpenAsync();
        await dashboard.SelectNamespaceAsync(Ns);
        await dashboard.NodeRow($"{Ns}/ratings").ClickAsync();

        var panel = dashboard.ByTestId("side-panel");
        await Expect(panel.GetByTestId("panel-title")).ToContainTextAsync("ratings", Soon);
        await Expect(panel.GetByTestId("endpoint-row")).ToContainTextAsync("10.2.0.7", Soon);
        var sidecarRow = panel.GetByTestId("sidecar-row").Filter(new() { HasText = "ratings-v1-0001" });
        await Expect(sidecarRow.GetByTestId("sidecar-sync")).ToContainTextAsync("synced", Soon);
        await Expect(sidecarRow).ToContainTextAsync(fixture.Silo.SiloId);
        await Expect(panel.GetByTestId("panel-findings")).ToContainTextAsync("IST0101", Soon);
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-node-panel");
    }

    [Fact]
    public async Task NodePanel_SidecarNacksAPush_ShowsNackedWithItsError()
    {
        const string Ns = "dash-nack";
        await fixture.Silo.Admin.PutServiceAsync(TestResources.Service("details", ns: Ns));
        await using var sidecar = await TestSubscriber.ConnectAsync(fixture.Silo.BaseAddress,
            new NodeInfo { Id = "details-v1-0002", Namespace = Ns, Service = "details" }, SiloProcess.AdminToken);
        await sidecar.WaitForAsync(s => s.InitialResponses == 1, TimeSpan.FromSeconds(30), "the first response");
        sidecar.NackNextWith = "route details: unknown subset v9";
        await using var dashboard = await fixture.OpenAsync();
        await dashboard.SelectNamespaceAsync(Ns);
        await dashboard.NodeRow($"{Ns}/details").ClickAsync();

        // Any write is pushed to a subscriber without dependencies; this one refuses it.
        await fixture.Silo.Admin.PutServiceAsync(TestResources.Service("details-canary", ns: Ns));

        var sync = dashboard.ByTestId("side-panel").GetByTestId("sidecar-row").Filter(new() { HasText = "details-v1-0002" }).GetByTestId("sidecar-sync");
        await Expect(sync).ToContainTextAsync("nacked", Soon);
        await Expect(sync).ToContainTextAsync("route details: unknown subset v9");
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-node-panel-nack");
    }

    [Fact]
    public async Task Dashboard_Files_ServedWithoutTokenAndConfined()
    {
        using var anonymous = fixture.Silo.CreateClient(token: null);

        using var page = await anonymous.GetAsync("/dashboard");
        using var module = await anonymous.GetAsync("/dashboard/vendor/cytoscape.esm.min.mjs");
        using var outside = await anonymous.GetAsync("/dashboard/%2e%2e/appsettings.json");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, module.StatusCode);
        Assert.Equal("text/javascript", module.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }

    private async Task<bool> TrafficApiExistsAsync()
    {
        using var response = await fixture.Silo.Admin.GetAsync("/api/v1/traffic/graph");
        return response.StatusCode != HttpStatusCode.NotFound;
    }

    private static Dictionary<string, string> Version(string version) => new() { ["version"] = version };

    private static MeshResource DestinationRule(string host, string ns, string subset) => new()
    {
        ApiVersion = "networking.istio.io/v1",
        Kind = ResourceKinds.DestinationRule,
        Metadata = new ResourceMetadata { Name = host, Namespace = ns },
        Spec = JsonSerializer.SerializeToElement(new { host, subsets = new[] { new { name = subset, labels = new { version = subset } } } }),
    };

    private static MeshResource RouteToSubset(string host, string ns, string subset) => new()
    {
        ApiVersion = "networking.istio.io/v1",
        Kind = ResourceKinds.VirtualService,
        Metadata = new ResourceMetadata { Name = host, Namespace = ns },
        Spec = JsonSerializer.SerializeToElement(new { hosts = new[] { host }, http = new[] { new { route = new[] { new { destination = new { host, subset } } } } } }),
    };
}
