using System.Collections.Concurrent;
using Mesh.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Mesh.Tests.Dashboard;

/// <summary>A silo with <c>Mesh:ProtectReads</c>, for the dashboard's token handling.</summary>
public sealed class ProtectedReadsDashboardFixture : IAsyncLifetime
{
    internal DashboardFixture Dashboard { get; } = new(new Dictionary<string, string?> { ["Mesh__ProtectReads"] = "true" });

    public Task InitializeAsync() => Dashboard.InitializeAsync();

    public Task DisposeAsync() => Dashboard.DisposeAsync();
}

/// <summary>When reads need a token, the page asks for one, keeps it in the tab and sends it only as a header.</summary>
public sealed class DashboardProtectedReadsTests(ProtectedReadsDashboardFixture fixture) : IClassFixture<ProtectedReadsDashboardFixture>
{
    [Fact]
    public async Task Dashboard_ReadsAnswer401_AsksForTokenThenSendsItAsBearerHeader()
    {
        var silo = fixture.Dashboard.Silo;
        await silo.Admin.PutServiceAsync(TestResources.Service("details", ns: "dash-token"));
        await using var dashboard = await fixture.Dashboard.OpenAsync();
        var requests = new ConcurrentQueue<(string Url, string? Authorization)>();
        dashboard.Page.Request += (_, request) => requests.Enqueue((request.Url, request.Headers.GetValueOrDefault("authorization")));

        await Expect(dashboard.ByTestId("token-form")).ToBeVisibleAsync(new() { Timeout = 5000 });
        await Expect(dashboard.ByTestId("status")).ToContainTextAsync("needs a read token");
        await dashboard.ByTestId("token-input").FillAsync(SiloProcess.ReadOnlyToken);
        await dashboard.ByTestId("token-submit").ClickAsync();

        await Expect(dashboard.NodeRow("dash-token/details")).ToBeVisibleAsync(new() { Timeout = 5000 });
        await Expect(dashboard.ByTestId("token-form")).ToBeHiddenAsync();
        Assert.Equal(SiloProcess.ReadOnlyToken, await dashboard.Page.EvaluateAsync<string>("() => sessionStorage.getItem('mesh.dashboard.token')"));
        Assert.Contains(requests, r => r.Url.Contains("/api/v1/", StringComparison.Ordinal) && r.Authorization == $"Bearer {SiloProcess.ReadOnlyToken}");
        Assert.DoesNotContain(requests, r => r.Url.Contains(SiloProcess.ReadOnlyToken, StringComparison.Ordinal));
        Assert.DoesNotContain(SiloProcess.ReadOnlyToken, dashboard.Page.Url, StringComparison.Ordinal);
        await dashboard.ScreenshotAndCheckScriptsAsync("dashboard-token");
    }
}
