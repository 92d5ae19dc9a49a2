using System.Collections.Concurrent;
using System.Diagnostics;
using Xunit.Abstractions;

namespace Mesh.Tests.Infrastructure;

/// <summary>
/// A real child process started by a test (silo, sidecar, meshctl). Output is kept for diagnostics; disposing kills
/// the whole process tree it started, so a failing test never leaves servers behind.
/// </summary>
internal sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();
    private readonly ITestOutputHelper? _log;
    private readonly string _name;

    private ManagedProcess(string name, Process process, ITestOutputHelper? log)
    {
        _name = name;
        _process = process;
        _log = log;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output => string.Join('\n', _output);

    /// <summary>Starts <c>dotnet <paramref name="dll"/> args</c>.</summary>
    public static ManagedProcess StartDotnet(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, ITestOutputHelper? log = null) =>
        Start(name, "dotnet", [dll, .. args], environment, log);

    /// <summary>Starts the sidecar: the published executable when there is one (<see cref="MeshPaths.PublishedSidecar"/>).</summary>
    public static ManagedProcess StartSidecar(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, ITestOutputHelper? log = null) =>
        MeshPaths.PublishedSidecar is { } executable
            ? Start(name, executable, args, environment, log)
            : StartDotnet(name, MeshPaths.Sidecar, args, environment, log);

    public static ManagedProcess Start(string name, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, ITestOutputHelper? log = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var managed = new ManagedProcess(name, process, log);
        process.OutputDataReceived += (_, e) => managed.Record(e.Data);
        process.ErrorDataReceived += (_, e) => managed.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return managed;
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue(line);
        while (_output.Count > 2000 && _output.TryDequeue(out _))
        {
        }
    }

    /// <summary>Waits until the process has printed a line containing <paramref name="text"/>.</summary>
    public Task<string> WaitForOutputAsync(string text, TimeSpan timeout) =>
        Poll.UntilAsync(() => Task.FromResult(_output.FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal))), timeout,
            () => $"{_name} never printed '{text}'. Output:\n{Output}", () => _process.HasExited ? $"{_name} exited with {_process.ExitCode}:\n{Output}" : null);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL, as in a crash.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    /// <summary>SIGTERM, as in a graceful shutdown; returns the exit code.</summary>
    public async Task<int> StopGracefullyAsync(TimeSpan timeout)
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
        }

        return await WaitForExitAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            Kill();
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
        }

        try
        {
            _log?.WriteLine($"--- {_name} output ---\n{Output}");
        }
        catch (InvalidOperationException)
        {
            // The test already finished; its output helper is closed.
        }

        _process.Dispose();
    }
}
