using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Mesh.Bench.Push;

/// <summary>A silo process started by the benchmark, killed on dispose.</summary>
internal sealed class SiloHost : IAsyncDisposable
{
    public const string Token = "bench-token";

    private readonly Process _process;

    private SiloHost(Process process, int port)
    {
        _process = process;
        Port = port;
        Admin = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 512 }) { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    public int Port { get; }

    public bool IsAlive => !_process.HasExited;

    /// <summary>Resident set size of the silo process, from /proc (Linux).</summary>
    public long RssBytes => ProcessMemory.RssBytes(_process.Id);

    public HttpClient Admin { get; }

    public int ProcessId => _process.Id;

    public static async Task<SiloHost> StartAsync(string dll, string? postgres, IReadOnlyDictionary<string, string>? settings = null)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["Mesh__AdminToken"] = Token;
        info.Environment["Mesh__Postgres"] = postgres;
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        // For an A/B of runtime settings on the silo alone: MESH_BENCH_SILO_ENV="DOTNET_TieredPGO=0;DOTNET_gcServer=1".
        foreach (var pair in (Environment.GetEnvironmentVariable("MESH_BENCH_SILO_ENV") ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (pair[..pair.IndexOf('=')], pair[(pair.IndexOf('=') + 1)..]);
            info.Environment[key] = value;
        }

        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var host = new SiloHost(process, port);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            try
            {
                using var ready = await host.Admin.GetAsync("/readyz");
                if (ready.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await host.DisposeAsync();
                throw new TimeoutException("silo did not become ready");
            }

            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }
}

/// <summary>Resident set size of a process, from /proc (Linux).</summary>
internal static class ProcessMemory
{
    public static long RssBytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>User plus system CPU time the process has used so far, from /proc/PID/stat (Linux).</summary>
    public static TimeSpan CpuTime(int processId)
    {
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture);
        // USER_HZ is 100 on Linux for every architecture .NET runs on.
        return TimeSpan.FromMilliseconds(ticks * 10);
    }
}
