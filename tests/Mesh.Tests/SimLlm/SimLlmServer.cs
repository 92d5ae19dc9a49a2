using System.Globalization;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.SimLlm;

/// <summary>
/// A SimLLM process on 127.0.0.1 and a port it chose itself (<c>--urls http://127.0.0.1:0</c>), found from the line
/// it prints once bound, so no free-port race. Disposing kills it.
/// </summary>
internal sealed class SimLlmServer : IAsyncDisposable
{
    public const string Model = "llama-3-8b";
    public const string Adapter = "llama-3-8b-lora-a";

    private readonly ManagedProcess _process;

    private SimLlmServer(ManagedProcess process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public static string Dll => Path.Combine(MeshPaths.RepositoryRoot, "demo", "Mesh.SimLlm", "bin", MeshPaths.Configuration, "net10.0", "Mesh.SimLlm.dll");

    public Uri BaseAddress { get; }

    public HttpClient Client { get; }

    public string Output => _process.Output;

    /// <summary>Starts SimLLM with fast (time-scaled) defaults; <paramref name="args"/> come after them and win.</summary>
    public static async Task<SimLlmServer> StartAsync(params string[] args)
    {
        var process = Start(["--urls", "http://127.0.0.1:0", "--seed", "1", "--models", $"{Model},{Adapter}", "--time-scale", "0.01", .. args]);
        try
        {
            var line = await process.WaitForOutputAsync("simllm listening on ", TimeSpan.FromSeconds(30));
            return new SimLlmServer(process, new Uri(line[(line.IndexOf("http", StringComparison.Ordinal))..].Trim()));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts SimLLM with exactly <paramref name="args"/>, for tests of its start-up itself.</summary>
    public static ManagedProcess Start(IEnumerable<string> args) =>
        ManagedProcess.StartDotnet("simllm", File.Exists(Dll) ? Dll : throw new FileNotFoundException("Mesh.SimLlm is not built; build Mesh.sln first", Dll), args);

    public Task<HttpResponseMessage> PostAsync(string path, object body) => Client.PostAsJsonAsync(path, body);

    public Task<HttpResponseMessage> PostRawAsync(string path, string body) =>
        Client.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    /// <summary>Sends a request and returns as soon as the headers are in, so the body can be read as it streams.</summary>
    public Task<HttpResponseMessage> PostStreamingAsync(string path, object body, CancellationToken cancellationToken = default) =>
        Client.SendAsync(new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) }, HttpCompletionOption.ResponseHeadersRead, cancellationToken);

    public async Task<JsonElement> StatsAsync() => await Client.GetFromJsonAsync<JsonElement>("/admin/stats");

    public async Task<long> TotalAsync(string name) => (await StatsAsync()).GetProperty("totals").GetProperty(name).GetInt64();

    /// <summary>One sample of /metrics, by its full series name (with labels).</summary>
    public async Task<double> MetricAsync(string series)
    {
        var text = await Client.GetStringAsync("/metrics");
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"/metrics has no {series}:\n{text}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public static string Series(string name) => $"{name}{{model_name=\"{Model}\"}}";

    /// <summary>Polls /admin/stats until <paramref name="condition"/> holds.</summary>
    public Task UntilStatsAsync(Func<JsonElement, bool> condition, string what) =>
        Poll.UntilTrueAsync(async () => condition(await StatsAsync()), TimeSpan.FromSeconds(20), () => $"SimLLM never reached: {what}");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _process.DisposeAsync();
    }
}

/// <summary>Reads <c>data:</c> payloads of a server-sent event stream as they arrive.</summary>
internal static class SseReader
{
    public static async IAsyncEnumerable<string> DataAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                yield return line["data: ".Length..];
            }
        }
    }
}
