using System.Net;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Tests.Cli;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Passive health: a sidecar's outlier ejection is reported over its subscription and shown by every silo on the
/// database and by meshctl, without touching the endpoint's registry health or the configuration revision.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OutlierReportEndToEndTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Ejection_ReportedToOneSilo_ShownByAnotherAndMeshctl_ThenClearedOnReturn()
    {
        var database = await postgres.CreateDatabaseAsync("outlier_reports");
        await using var mesh = await MeshTestBed.StartAsync(output, silos: 2, postgres: database);
        var healthy = await mesh.StartUpstreamAsync("v1");
        var failing = await mesh.StartUpstreamAsync("v2");
        // 500, not 503: Istio's default route retries 503 on another endpoint, which would hide the failures.
        failing.FailStatus = 500;
        await mesh.AddServiceAsync("reviews", 9080, healthy, failing);
        await mesh.ApplyAsync(IstioResources.Subsets("reviews", new
        {
            outlierDetection = new { consecutive5xxErrors = 3, interval = "1s", baseEjectionTime = "12s", maxEjectionPercent = 100 },
        }));
        var onFirstSilo = new[] { mesh.SiloUrls.First() };
        var ejector = await mesh.StartSidecarAsync("productpage-ejector", silos: onFirstSilo);
        var bystander = await mesh.StartSidecarAsync("productpage-bystander", silos: onFirstSilo);
        await mesh.SyncAsync(ejector, bystander);
        var other = mesh.Silos[1];
        var revision = await other.StoreRevisionAsync();
        var failingName = EndpointSpec.NameFor("reviews", "127.0.0.1", failing.Port);
        var before = await EndpointAsync(other, failingName);

        // Round robin gives the failing instance every other request: three of them eject it.
        for (var i = 0; i < 6; i++)
        {
            using var response = await ejector.Proxy.GetAsync("http://reviews:9080/");
        }

        var view = await Poll.UntilAsync(async () => await EndpointAsync(other, failingName) is { OutlierReports.Count: > 0 } v ? v : null,
            Deadline, () => "the ejection never showed in the other silo's API");
        var report = Assert.Single(view.OutlierReports!);
        Assert.Equal("productpage-ejector", report.Reporter);
        Assert.Contains("consecutive 5xx", report.Reason, StringComparison.Ordinal);
        Assert.True(report.Until > report.Since, $"until {report.Until} should follow since {report.Since}");
        Assert.Equal(EndpointHealth.Healthy, view.Health);
        Assert.Equal(before.ResourceVersion, view.ResourceVersion);
        Assert.Equal(revision, await other.StoreRevisionAsync());
        Assert.Equal(revision, await ejector.RevisionAsync());

        var describe = await Meshctl.For(other).RunAsync("describe", "service", "reviews");
        Assert.True(describe.ExitCode == 0, describe.ToString());
        Assert.Contains("EJECTED BY", describe.Stdout, StringComparison.Ordinal);
        Assert.Contains("Outlier ejections: 1", describe.Stdout, StringComparison.Ordinal);
        // The endpoint row and the ejection row both name the ejector, never the sidecar that saw no failures.
        var rows = describe.Stdout.Split('\n').Where(l => l.Contains($"127.0.0.1:{failing.Port}", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Contains("productpage-ejector", row, StringComparison.Ordinal));
        Assert.All(rows, row => Assert.DoesNotContain("productpage-bystander", row, StringComparison.Ordinal));

        failing.FailStatus = 0;
        await Poll.UntilTrueAsync(async () => (await EndpointAsync(other, failingName)).OutlierReports is null, Deadline,
            () => "the report never went away after the ejection ended");
        using (var all = await other.Admin.GetAsync("/api/v1/outliers"))
        {
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
            Assert.Empty((await all.Content.ReadFromJsonAsync<List<OutlierReport>>(MeshJson.Options))!);
        }

        Assert.Equal(revision, await other.StoreRevisionAsync());
    }

    private static async Task<EndpointView> EndpointAsync(SiloProcess silo, string name) =>
        (await silo.Admin.GetFromJsonAsync<EndpointView>($"/api/v1/namespaces/default/endpoints/{name}", MeshJson.Options))!;
}
