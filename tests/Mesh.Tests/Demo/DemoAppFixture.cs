using System.Globalization;
using Mesh.Tests.Infrastructure;
using Xunit;

namespace Mesh.Tests.Demo;

/// <summary>
/// The demo app's roles as real processes without a mesh: model v1 and v2, the tokenizer, and a ranker pointed straight
/// at them (no HTTP_PROXY), so the tests see each service's own behaviour.
/// </summary>
public sealed class DemoAppFixture : IAsyncLifetime
{
    private readonly List<ManagedProcess> _processes = [];

    internal Uri ModelV1 { get; private set; } = null!;

    internal Uri ModelV2 { get; private set; } = null!;

    internal Uri Tokenizer { get; private set; } = null!;

    internal Uri Ranker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ModelV1 = await StartAsync("--role", "model", "--version", "v1");
        ModelV2 = await StartAsync("--role", "model", "--version", "v2");
        Tokenizer = await StartAsync("--role", "tokenizer");
        Ranker = await StartAsync("--role", "ranker", "--model-url", ModelV1.ToString().TrimEnd('/'), "--tokenizer-url", Tokenizer.ToString().TrimEnd('/'));
    }

    private async Task<Uri> StartAsync(params string[] args)
    {
        var url = new Uri($"http://127.0.0.1:{TestPorts.Next().ToString(CultureInfo.InvariantCulture)}");
        var process = ManagedProcess.StartDotnet(string.Join(' ', args), MeshPaths.Demo, ["--urls", url.ToString(), "--token-delay-ms", "0", .. args],
            new Dictionary<string, string?> { ["HTTP_PROXY"] = null, ["http_proxy"] = null });
        _processes.Add(process);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        await Poll.UntilTrueAsync(async () => (await client.GetAsync(new Uri(url, "/healthz"))).IsSuccessStatusCode, TimeSpan.FromSeconds(30),
            () => $"demo {string.Join(' ', args)} never answered /healthz:\n{process.Output}");
        return url;
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
        }
    }
}
