using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Observability;

/// <summary>
/// A real Prometheus server (Debian's package, installed by scripts/prerequisites.sh) on loopback, scraping the given
/// targets every second, with a throwaway data directory. Disposing kills it and deletes its data.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private const string Binary = "/usr/bin/prometheus";
    private readonly ManagedProcess _process;
    private readonly string _directory;

    private PrometheusServer(ManagedProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Client { get; }

    /// <param name="targets">Job name → <c>127.0.0.1:port</c> serving <c>/metrics</c>.</param>
    public static async Task<PrometheusServer> StartAsync(IReadOnlyDictionary<string, int> targets, ITestOutputHelper log)
    {
        if (!File.Exists(Binary))
        {
            throw new InvalidOperationException($"{Binary} is missing: run scripts/prerequisites.sh (Debian package 'prometheus')");
        }

        var directory = Directory.CreateTempSubdirectory("mesh-prometheus-").FullName;
        var config = "global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n" + string.Concat(targets.Select(t =>
            $"  - job_name: {t.Key}\n    metrics_path: /metrics\n    static_configs:\n      - targets: ['127.0.0.1:{t.Value.ToString(CultureInfo.InvariantCulture)}']\n"));
        var configFile = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(configFile, config);
        var port = TestPorts.Next();
        var process = ManagedProcess.Start("prometheus", Binary,
        [
            $"--config.file={configFile}", $"--storage.tsdb.path={Path.Combine(directory, "data")}",
            $"--web.listen-address=127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", "--log.level=warn",
        ], log: log);
        var server = new PrometheusServer(process, directory, port);
        try
        {
            await Poll.UntilTrueAsync(async () => await server.IsReadyAsync(), TimeSpan.FromSeconds(30),
                () => $"prometheus never became ready:\n{process.Output}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>Evaluates an instant query; returns the result vector's series (labels and value).</summary>
    public async Task<List<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promQl)
    {
        var body = await Client.GetFromJsonAsync<JsonElement>("/api/v1/query?query=" + Uri.EscapeDataString(promQl));
        if (body.GetProperty("status").GetString() != "success")
        {
            throw new InvalidOperationException($"query failed: {promQl}: {body}");
        }

        var series = new List<(Dictionary<string, string>, double)>();
        foreach (var item in body.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
            series.Add((labels, double.Parse(item.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)));
        }

        return series;
    }

    private async Task<bool> IsReadyAsync()
    {
        try
        {
            using var response = await Client.GetAsync("/-/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
