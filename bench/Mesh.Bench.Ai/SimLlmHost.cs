using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Bench.Ai;

/// <summary>A SimLLM replica started by the benchmark on a free port, killed on dispose.</summary>
internal sealed class SimLlmHost : IAsyncDisposable
{
    private readonly Process _process;

    private SimLlmHost(Process process, int port)
    {
        _process = process;
        Port = port;
        Client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
    }

    public int Port { get; }

    public HttpClient Client { get; }

    public static async Task<SimLlmHost> StartAsync(string dll, int seed, IEnumerable<string> options, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), .. options])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        var listening = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            const string marker = "simllm listening on http://127.0.0.1:";
            if (e.Data is { } line && line.StartsWith(marker, StringComparison.Ordinal))
            {
                listening.TrySetResult(int.Parse(line[marker.Length..].TrimEnd('/'), System.Globalization.CultureInfo.InvariantCulture));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var port = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new SimLlmHost(process, port);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    /// <summary>The engine's running totals (<c>GET /admin/stats</c>).</summary>
    public async Task<CacheTotals> TotalsAsync(CancellationToken cancellationToken)
    {
        var stats = await Client.GetFromJsonAsync<JsonElement>("/admin/stats", cancellationToken);
        var totals = stats.GetProperty("totals");
        return new CacheTotals(totals.GetProperty("prefixCacheQueryTokens").GetInt64(), totals.GetProperty("prefixCacheHitTokens").GetInt64());
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>Prompt tokens looked up in a prefix cache, and those found.</summary>
internal readonly record struct CacheTotals(long Queried, long Hit)
{
    public static CacheTotals operator -(CacheTotals after, CacheTotals before) => new(after.Queried - before.Queried, after.Hit - before.Hit);

    public static CacheTotals operator +(CacheTotals a, CacheTotals b) => new(a.Queried + b.Queried, a.Hit + b.Hit);
}
