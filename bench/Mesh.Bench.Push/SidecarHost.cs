using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Bench.Push;

/// <summary>A real mesh-sidecar process (the published binary, artifacts/sidecar) subscribed to a silo; killed on dispose.</summary>
internal sealed class SidecarHost : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _stateFile;

    private SidecarHost(Process process, string id, string stateFile)
    {
        _process = process;
        Id = id;
        _stateFile = stateFile;
    }

    public string Id { get; }

    public long RssBytes => ProcessMemory.RssBytes(_process.Id);

    /// <param name="outboundPort">The outbound (proxy) port; 0 lets the sidecar pick one (benches that only subscribe).</param>
    public static SidecarHost Start(string binary, int siloPort, string id, IReadOnlyList<string>? dependencies = null, int outboundPort = 0)
    {
        if (!File.Exists(binary))
        {
            throw new FileNotFoundException($"{binary} is missing: run scripts/publish-sidecar.sh first", binary);
        }

        var stateFile = Path.Combine(Path.GetTempPath(), $"bench-sidecar-{id}-{Guid.NewGuid():N}.json");
        List<string> args =
        [
            "--id", id, "--silo", $"http://127.0.0.1:{siloPort}", "--state-file", stateFile, "--namespace", "bench",
            "--outbound-port", outboundPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "--inbound-port", "0", "--admin-port", "0", "--token", SiloHost.Token,
        ];
        if (dependencies is not null)
        {
            args.AddRange(["--dependencies", string.Join(',', dependencies)]);
        }

        var info = new ProcessStartInfo(binary, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SidecarHost(process, id, stateFile);
    }

    /// <summary>Waits (bounded) until the silo shows this sidecar has ACKed <paramref name="revision"/> or later.</summary>
    public async Task WaitForAckAsync(SiloHost silo, long revision, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            using var response = await silo.Admin.GetAsync($"/api/v1/subscribers/{Id}");
            if (response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("ackedRevision", out var acked)
                && acked.GetInt64() >= revision)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException($"sidecar {Id} never ACKed revision {revision}");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        File.Delete(_stateFile);
    }
}
