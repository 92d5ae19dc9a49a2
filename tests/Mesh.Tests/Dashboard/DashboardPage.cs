using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Mesh.Tests.Dashboard;

/// <summary>One open dashboard tab and the locators the tests read (the page's <c>data-testid</c> attributes).</summary>
internal sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ConcurrentQueue<string> _scriptErrors = new();

    public DashboardPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.PageError += (_, error) => _scriptErrors.Enqueue(error);
    }

    public IPage Page { get; }

    public ILocator ByTestId(string testId) => Page.GetByTestId(testId);

    public ILocator NodeRow(string nodeId) => Page.Locator($"[data-testid='node-row'][data-node-id='{nodeId}']");

    /// <summary>The Connections row of an edge; <paramref name="protocol"/> (http, tcp) tells apart two edges between the same pair.</summary>
    public ILocator EdgeRow(string source, string target, string? protocol = null) =>
        Page.Locator($"[data-testid='edge-row'][data-source='{source}'][data-target='{target}']{(protocol is null ? "" : $"[data-protocol='{protocol}']")}");

    /// <summary>
    /// Waits until the side panel's row for sidecar <paramref name="nodeId"/> reads <paramref name="sync"/>, checking
    /// every 50 ms in the page: Expect(...) retries up to a second apart, too coarse to time a budget of seconds.
    /// </summary>
    public Task WaitForSidecarSyncAsync(string nodeId, string sync, TimeSpan timeout) =>
        Page.WaitForFunctionAsync(
            "([id, sync]) => [...document.querySelectorAll(\"[data-testid='side-panel'] [data-testid='sidecar-row']\")]" +
            ".some(row => row.cells[0].textContent === id && row.dataset.sync === sync)",
            new[] { nodeId, sync }, new() { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 50 });

    /// <summary>
    /// Waits until the validation panel lists a finding of <paramref name="code"/> on <paramref name="resource"/>
    /// (e.g. "VirtualService default/reviews"), checking every 50 ms in the page, for at most <paramref name="timeout"/>.
    /// </summary>
    public Task WaitForFindingAsync(string code, string resource, TimeSpan timeout) =>
        Page.WaitForFunctionAsync(
            "([code, resource]) => [...document.querySelectorAll(\"[data-testid='validation-row']\")]" +
            ".some(row => row.dataset.code === code && row.querySelector(\"[data-testid='validation-resource']\")?.textContent === resource)",
            new[] { code, resource },
            // Playwright reads a timeout of 0 as none at all: a budget already spent still gets its one check.
            new() { Timeout = (float)Math.Max(1, timeout.TotalMilliseconds), PollingInterval = 50 });

    /// <summary>Picks a namespace in the filter (Playwright waits until the option has appeared).</summary>
    public Task SelectNamespaceAsync(string ns) => ByTestId("namespace-filter").SelectOptionAsync(ns);

    /// <summary>Saves a full-page screenshot (for a person to look at), then fails if any page script threw.</summary>
    public async Task ScreenshotAndCheckScriptsAsync(string name)
    {
        await Page.ScreenshotAsync(new() { Path = Chromium.ScreenshotPath(name), FullPage = true });
        Assert.True(_scriptErrors.IsEmpty, $"the page's scripts threw:\n{string.Join('\n', _scriptErrors)}");
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
