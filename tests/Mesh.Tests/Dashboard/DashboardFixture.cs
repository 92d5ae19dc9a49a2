using Mesh.Tests.Infrastructure;
using Microsoft.Playwright;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// One real silo (the embedded single-silo default, no database) and one headless Chromium, shared by a test class.
/// Each test uses a namespace of its own, so the tests do not see each other's resources.
/// </summary>
public sealed class DashboardFixture : IAsyncLifetime
{
    private readonly IReadOnlyDictionary<string, string?>? _siloSettings;
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private SiloProcess? _silo;

    public DashboardFixture()
        : this(null)
    {
    }

    /// <summary>A fixture whose silo runs with extra settings, e.g. <c>Mesh__ProtectReads</c>.</summary>
    internal DashboardFixture(IReadOnlyDictionary<string, string?>? siloSettings) => _siloSettings = siloSettings;

    internal SiloProcess Silo => _silo ?? throw new InvalidOperationException("the fixture is not initialized");

    internal IBrowser Browser => _browser ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync()
    {
        // The browser first: without Chromium the tests fail at once, with the reason, before a silo is started.
        (_playwright, _browser) = await Chromium.LaunchAsync();
        try
        {
            _silo = await SiloProcess.StartAsync(settings: _siloSettings);
        }
        catch
        {
            // Nothing may outlive a failed start: close the browser (and Playwright's driver) here.
            await DisposeAsync();
            throw;
        }
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }

    /// <summary>A fresh browser context and page on the silo's dashboard; uncaught script errors are collected for the test to assert on.</summary>
    internal async Task<DashboardPage> OpenAsync(Func<IPage, Task>? beforeLoad = null)
    {
        var context = await Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1440, Height = 1000 }, BaseURL = Silo.BaseAddress.ToString() });
        try
        {
            var page = await context.NewPageAsync();
            var dashboard = new DashboardPage(context, page);
            if (beforeLoad is not null)
            {
                await beforeLoad(page);
            }

            await page.GotoAsync("/dashboard");
            return dashboard;
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
    }
}
