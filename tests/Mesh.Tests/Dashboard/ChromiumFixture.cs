using Microsoft.Playwright;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// One headless Chromium shared by a test class, and dashboard tabs on any silo: tests that start their own mesh
/// (and so their own silo) use it directly, <see cref="DashboardFixture"/> adds a silo of its own.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    internal IBrowser Browser => _browser ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync() => (_playwright, _browser) = await Chromium.LaunchAsync();

    public async Task DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>
    /// A fresh browser context and page on <paramref name="silo"/>'s dashboard at <paramref name="path"/> (which may
    /// carry the page's query options); uncaught script errors are collected for the test to assert on.
    /// </summary>
    internal async Task<DashboardPage> OpenAsync(Uri silo, string path = "/dashboard", Func<IPage, Task>? beforeLoad = null)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 }, BaseURL = silo.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            var dashboard = new DashboardPage(context, page);
            if (beforeLoad is not null)
            {
                await beforeLoad(page);
            }

            await page.GotoAsync(path);
            return dashboard;
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }
}
