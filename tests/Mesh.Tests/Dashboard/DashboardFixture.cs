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
    private readonly ChromiumFixture _chromium = new();
    private SiloProcess? _silo;

    public DashboardFixture()
        : this(null)
    {
    }

    /// <summary>A fixture whose silo runs with extra settings, e.g. <c>Mesh__ProtectReads</c>.</summary>
    internal DashboardFixture(IReadOnlyDictionary<string, string?>? siloSettings) => _siloSettings = siloSettings;

    internal SiloProcess Silo => _silo ?? throw new InvalidOperationException("the fixture is not initialized");

    public async Task InitializeAsync()
    {
        // The browser first: without Chromium the tests fail at once, with the reason, before a silo is started.
        await _chromium.InitializeAsync();
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

        await _chromium.DisposeAsync();
    }

    /// <summary>A fresh browser context and page on the silo's dashboard; uncaught script errors are collected for the test to assert on.</summary>
    internal Task<DashboardPage> OpenAsync(Func<IPage, Task>? beforeLoad = null) => _chromium.OpenAsync(Silo.BaseAddress, beforeLoad: beforeLoad);
}
