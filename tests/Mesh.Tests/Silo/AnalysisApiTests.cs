using System.Net;
using System.Text.Json;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary><c>GET /api/v1/analysis</c>: istioctl's analysis of what the silo stores, for the read role, through a real silo on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AnalysisApiTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(await postgres.CreateDatabaseAsync("analysis_api"), "silo-analysis", output);
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews", ns: "other"));
        // Two mesh VirtualServices for one host (IST0109 on both) and one in another namespace routing to a missing host (IST0101).
        await _silo.Admin.PutResourceAsync(TestResources.VirtualService("reviews-a", "reviews"));
        await _silo.Admin.PutResourceAsync(TestResources.VirtualService("reviews-b", "reviews.default.svc.cluster.local"));
        await _silo.Admin.PutResourceAsync(TestResources.VirtualService("ghost", "ghost", ns: "other"));
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task GetAnalysis_ReadRole_ReturnsIstioctlFindingsOnEveryResourceInvolved()
    {
        using var reader = _silo.CreateClient(SiloProcess.ReadOnlyToken);

        using var document = JsonDocument.Parse(await reader.GetStringAsync("/api/v1/analysis"));

        var findings = document.RootElement.GetProperty("messages").EnumerateArray()
            .Select(m => $"{m.GetProperty("level").GetString()} {m.GetProperty("code").GetString()} {m.GetProperty("resource").GetString()} {m.GetProperty("path").GetString()}: {m.GetProperty("message").GetString()}")
            .Order(StringComparer.Ordinal).ToList();
        const string Conflict = "The VirtualServices default/reviews-a,default/reviews-b associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.";
        Assert.Equal(
            [
                $"Error IST0101 VirtualService other/ghost spec.http[0].route[0].destination.host: Referenced host not found: \"ghost\"",
                $"Error IST0109 VirtualService default/reviews-a spec.hosts: {Conflict}",
                $"Error IST0109 VirtualService default/reviews-b spec.hosts: {Conflict}",
            ],
            findings);
    }

    [Fact]
    public async Task GetAnalysis_Namespace_AnalyzesOnlyThatNamespace()
    {
        using var document = JsonDocument.Parse(await _silo.Admin.GetStringAsync("/api/v1/analysis?namespace=other"));

        Assert.Equal("other", document.RootElement.GetProperty("namespace").GetString());
        var finding = Assert.Single(document.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal("VirtualService other/ghost", finding.GetProperty("resource").GetString());
    }

    [Fact]
    public async Task GetAnalysis_BadNamespace_Answers400NamingTheField()
    {
        using var response = await _silo.Admin.GetAsync("/api/v1/analysis?namespace=Not_A_Namespace");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("namespace", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

