using System.Diagnostics;
using System.Globalization;
using Mesh.Contracts.Traffic;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Observability;
using Mesh.Tests.Sidecar.EndToEnd;
using Mesh.Tests.Sidecar.Security;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// The dashboard against a live mesh of real sidecar processes: what the page shows is what the sidecars measured
/// (checked against the requests the test itself sent), and a sidecar whose subscription stream stalls is shown
/// stale within seconds.
/// </summary>
public sealed class DashboardLiveTests(ChromiumFixture chromium, ITestOutputHelper output) : IClassFixture<ChromiumFixture>
{
    // Longer than the whole traffic run plus the time to check it, so rate × window is the run's request count.
    private const int Window = 60;
    private const string Frontend = "default/frontend";
    private const string BackendV1 = "default/backend-v1";
    private const string BackendV2 = "default/backend-v2";
    private const string Legacy = "default/legacy-v1";

    // Up to 20 requests a second to each URL for 15 seconds. A loaded machine manages half that, which still sends
    // v2 well over the 40 requests its every-tenth failure needs to read as 10 % ± 2 points, and keeps a one-decimal
    // rate over the window within 5 % of the count.
    private static readonly TimeSpan Pace = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan RunFor = TimeSpan.FromSeconds(15);
    private const int MaxRequestsPerUrl = 300;

    [Fact]
    public async Task LiveMesh_SteadyTraffic_PageShowsTheRatesErrorsAndMtlsTheSidecarsMeasured()
    {
        await using var bed = await MeshTestBed.StartAsync(output);
        var mesh = await ObservedMesh.StartAsync(bed);
        await using var dashboard = await chromium.OpenAsync(bed.Silo.BaseAddress, $"/dashboard?window={Window}");

        var backendRun = PacedTraffic.RunAsync(mesh.Frontend.Proxy, "http://backend:9080/", Pace, RunFor, MaxRequestsPerUrl);
        var legacyRun = PacedTraffic.RunAsync(mesh.Frontend.Proxy, "http://legacy:9080/", Pace, RunFor, MaxRequestsPerUrl);
        try
        {
            // The connections appear while the traffic still flows (the page polls once a second).
            var visible = new LocatorAssertionsToBeVisibleOptions { Timeout = 8000 };
            await Expect(dashboard.EdgeRow(Frontend, BackendV1)).ToBeVisibleAsync(visible);
            await Expect(dashboard.EdgeRow(Frontend, BackendV2)).ToBeVisibleAsync(visible);
            await Expect(dashboard.EdgeRow(Frontend, Legacy)).ToBeVisibleAsync(visible);
            Assert.False(backendRun.IsCompleted, "the edges should have shown up while the traffic was still running");
        }
        finally
        {
            // Even when the page fails, no request loop may outlive the mesh it sends through (both are time-bound).
            await Task.WhenAll(backendRun, legacyRun);
        }

        var backend = await backendRun;
        var legacy = await legacyRun;
        output.WriteLine($"{backend}\n{legacy}\nv1 served {mesh.V1.Requests}, v2 served {mesh.V2.Requests}, legacy served {mesh.LegacyApp.Requests}");
        Assert.Equal(backend.Sent, backend.Answered);
        Assert.Equal(legacy.Sent, legacy.Count(200));
        Assert.Equal(mesh.V2.Requests / 10, backend.Count(503));
        Assert.True(mesh.V2.Requests >= 40, $"only {mesh.V2.Requests} requests reached v2: too few for its 5xx share to read 10 % ± 2 points");

        // Once both sidecars of every hop have reported, the API counts each request the apps served exactly once.
        var graph = await mesh.WaitForGraphAsync(Window, g =>
            Math.Round(ObservedMesh.Total(g, Frontend, BackendV1)) == mesh.V1.Requests
            && Math.Round(ObservedMesh.Total(g, Frontend, BackendV2)) == mesh.V2.Requests
            && Math.Round(ObservedMesh.Total(g, Frontend, Legacy)) == mesh.LegacyApp.Requests,
            "the graph never counted every request the apps served");

        // The page, a refresh later, shows the API's numbers for the same window; and those match what the test sent
        // (± 10 %; rounding to 0.1 rps alone can make up 5 %).
        var shown = await ShownRatesAsync(dashboard, graph);
        output.WriteLine($"page rates over {Window} s: {Describe(shown)}");
        AssertWithin(shown[BackendV1] * Window, mesh.V1.Requests, "requests to backend-v1 (page rate × window vs v1's count)");
        AssertWithin(shown[BackendV2] * Window, mesh.V2.Requests, "requests to backend-v2 (page rate × window vs v2's count)");
        AssertWithin((shown[BackendV1] + shown[BackendV2]) * Window, backend.Sent, "requests to backend (page vs sent)");
        AssertWithin(shown[Legacy] * Window, legacy.Sent, "requests to legacy (page vs sent)");

        // v2 fails every tenth request; v1 never does.
        Assert.InRange(ParsePercent(await dashboard.EdgeRow(Frontend, BackendV2).GetByTestId("edge-5xx").InnerTextAsync()), 8.0, 12.0);
        await Expect(dashboard.EdgeRow(Frontend, BackendV1).GetByTestId("edge-5xx")).ToHaveTextAsync("0 %");
        // STRICT mTLS to both backend subsets; the certificate-less legacy sidecar is all plaintext.
        await Expect(dashboard.EdgeRow(Frontend, BackendV1).GetByTestId("mtls-badge")).ToHaveTextAsync("100 %");
        await Expect(dashboard.EdgeRow(Frontend, BackendV2).GetByTestId("mtls-badge")).ToHaveTextAsync("100 %");
        await Expect(dashboard.EdgeRow(Frontend, Legacy).GetByTestId("mtls-badge")).ToHaveTextAsync("0 %");
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-live-traffic");
    }

    [Fact]
    public async Task StalledSubscription_PageShowsSidecarStaleWithinFiveSeconds_AndSyncedAgainAfterResume()
    {
        await using var bed = await MeshTestBed.StartAsync(output);
        // Declared after the bed, so disposed before it: the listener and every relayed socket close even on failure.
        await using var relay = StallingTcpRelay.Start(bed.Silo.BaseAddress.Port);
        var app = await bed.StartUpstreamAsync("v1");
        await bed.Silo.AddServiceAsync("ratings", "ratings");
        var ratings = await bed.StartSidecarAsync("ratings-v1", "ratings", app.Port, "app=ratings,version=v1", silos: [relay.Url]);
        await bed.SyncAsync(ratings);

        await using var dashboard = await chromium.OpenAsync(bed.Silo.BaseAddress);
        await dashboard.NodeRow("default/ratings").ClickAsync();
        var sync = dashboard.ByTestId("side-panel").GetByTestId("sidecar-row").Filter(new() { HasText = "ratings-v1" }).GetByTestId("sidecar-sync");
        await Expect(sync).ToHaveTextAsync("synced", new() { Timeout = 10000 });
        var connectionsBefore = relay.Connections;

        var paused = Stopwatch.StartNew();
        relay.Pause();
        // The silo calls a subscriber stale after 3 s without its once-a-second traffic report; the status is
        // flushed each second and the page polls each second.
        await dashboard.WaitForSidecarSyncAsync("ratings-v1", "stale", TimeSpan.FromSeconds(5));
        output.WriteLine($"stale shown {paused.Elapsed.TotalSeconds:F2} s after the relay paused");
        await Expect(sync).ToHaveTextAsync("stale");
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-live-stale");

        var resumed = Stopwatch.StartNew();
        relay.Resume();
        // Either the stalled stream carries on with what waited in the buffers, or (if a keepalive gave up on it
        // meanwhile) the sidecar resubscribes through the relay; both end synced.
        await Expect(sync).ToHaveTextAsync("synced", new() { Timeout = 20000 });
        output.WriteLine($"synced again {resumed.Elapsed.TotalSeconds:F2} s after the relay resumed; relay connections {connectionsBefore} before the pause, {relay.Connections} now");
    }

    /// <summary>
    /// Waits until the page's rate on each frontend edge is the API's rate for the same window, as the page rounds it
    /// (to 0.1 rps), and returns what the page shows, in requests per second. Waiting for the exact number rather than
    /// one within 10 % matters: the page lags the API by up to a refresh, which is the run's last second of reports.
    /// </summary>
    private static async Task<Dictionary<string, double>> ShownRatesAsync(DashboardPage dashboard, TrafficGraph graph)
    {
        var expected = new[] { BackendV1, BackendV2, Legacy }.ToDictionary(t => t, t => ObservedMesh.Total(graph, Frontend, t) / Window);
        var shown = new Dictionary<string, double>();
        await Poll.UntilTrueAsync(async () =>
        {
            foreach (var target in expected.Keys)
            {
                shown[target] = ParseRate(await dashboard.EdgeRow(Frontend, target).GetByTestId("edge-rate").InnerTextAsync());
            }

            return expected.All(e => Math.Abs(shown[e.Key] - e.Value) <= 0.05 + 1e-9);
        }, TimeSpan.FromSeconds(10), () => $"the page's rates [{Describe(shown)}] never became the API's [{Describe(expected)}]");
        return shown;
    }

    private static void AssertWithin(double actual, double expected, string what) =>
        Assert.True(Math.Abs(actual - expected) <= 0.1 * expected, $"{what}: {actual:F1}, expected {expected} ± 10 %");

    private static string Describe(Dictionary<string, double> rates) =>
        string.Join(", ", rates.Select(r => $"{r.Key} {r.Value.ToString("F2", CultureInfo.InvariantCulture)} rps"));

    /// <summary>"4.0 rps" → 4.0</summary>
    private static double ParseRate(string text) => double.Parse(text.Replace("rps", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);

    /// <summary>"10.0 %" → 10.0</summary>
    private static double ParsePercent(string text) => double.Parse(text.Replace("%", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
}
