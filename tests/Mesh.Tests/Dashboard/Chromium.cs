using Microsoft.Playwright;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright's own browser download does not work on this machine, so the
/// tests use the system browser that scripts/prerequisites.sh installs; without it they fail and say so.
/// </summary>
internal static class Chromium
{
    public const string ExecutablePath = "/usr/bin/chromium";

    public static async Task<(IPlaywright Playwright, IBrowser Browser)> LaunchAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ExecutablePath}; the dashboard tests need a real browser. Run scripts/prerequisites.sh as root (it installs Debian's chromium).");
        }

        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true });
            return (playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Where screenshots go: beside the test assembly, so CI keeps them with the test output.</summary>
    public static string ScreenshotPath(string name)
    {
        var directory = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        return Path.Combine(directory, name + ".png");
    }
}
