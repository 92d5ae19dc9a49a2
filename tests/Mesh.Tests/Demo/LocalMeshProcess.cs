using System.Globalization;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Demo;

/// <summary>
/// <c>deploy/local/up.sh --headless --no-build</c> as a real process in a session of its own, on ports from a free base,
/// with its state in a temporary folder. Disposing stops whatever it left: its process group, the PIDs it recorded,
/// and its PostgreSQL (through down.sh), so a failing test leaves nothing running.
/// </summary>
internal sealed class LocalMeshProcess : IAsyncDisposable
{
    /// <summary>Port offsets from the base that up.sh binds (see the port plan at the top of the script).</summary>
    public static readonly int[] PortOffsets = [1, 2, 3, 10, 11, 12, 13, 15, 20, 21, 22, 23, 32, 40, 41, 42, 43, 50, 51, 52, 53, 60, 70, 71, 73, 80, 81, 83, 90, 91, 92, 93, 100, 101, 102, 103, 110, 111, 112, 113];

    private readonly ManagedProcess _script;

    private LocalMeshProcess(ManagedProcess script, int basePort, string stateDirectory)
    {
        _script = script;
        BasePort = basePort;
        StateDirectory = stateDirectory;
    }

    public int BasePort { get; }

    public string StateDirectory { get; }

    public ManagedProcess Script => _script;

    public Uri Ingress => new($"http://127.0.0.1:{BasePort + 80}");

    public Uri Silo => new($"http://127.0.0.1:{BasePort + 1}");

    public int RankerAdminPort => BasePort + 53;

    public int TokenizerAdminPort => BasePort + 13;

    public int EgressGatewayAdminPort => BasePort + 73;

    /// <summary>Runs one of <c>deploy/local/scenarios/</c> against this mesh, as a person would, to its end.</summary>
    public async Task<(int ExitCode, string Output)> RunScenarioAsync(string script, TimeSpan timeout)
    {
        await using var run = ManagedProcess.Start(script, "bash", [Path.Combine(MeshPaths.RepositoryRoot, "deploy/local/scenarios", script)],
            new Dictionary<string, string?>
            {
                ["MESH_BASE_PORT"] = BasePort.ToString(CultureInfo.InvariantCulture),
                ["MESH_STATE_DIR"] = StateDirectory,
                ["MESH_CONFIGURATION"] = MeshPaths.Configuration,
            });
        var exitCode = await run.WaitForExitAsync(timeout);
        return (exitCode, run.Output);
    }

    public string AdminToken => File.ReadAllText(Path.Combine(StateDirectory, "admin-token")).Trim();

    public static LocalMeshProcess Start()
    {
        var basePort = FindFreeBase();
        var state = Path.Combine(Path.GetTempPath(), $"mesh-demo-{Guid.NewGuid():N}");
        var script = ManagedProcess.Start("up.sh", "setsid", ["bash", Path.Combine(MeshPaths.RepositoryRoot, "deploy/local/up.sh"), "--headless", "--no-build"],
            new Dictionary<string, string?>
            {
                ["MESH_BASE_PORT"] = basePort.ToString(CultureInfo.InvariantCulture),
                ["MESH_STATE_DIR"] = state,
                ["MESH_CONFIGURATION"] = MeshPaths.Configuration,
                ["MESH_TOKEN_DELAY_MS"] = "5",
                ["MESH_START_TIMEOUT"] = "150",
                ["MESH_SIDECAR"] = MeshPaths.PublishedSidecar ?? $"dotnet {MeshPaths.Sidecar}",
            });
        return new LocalMeshProcess(script, basePort, state);
    }

    /// <summary>The "name pid" lines of the pids file the script keeps while it runs.</summary>
    public IReadOnlyList<(string Name, int Pid)> RecordedProcesses()
    {
        var file = Path.Combine(StateDirectory, "pids");
        return File.Exists(file)
            ? [.. File.ReadAllLines(file).Select(l => l.Split(' ')).Where(p => p.Length == 2).Select(p => (p[0], int.Parse(p[1], CultureInfo.InvariantCulture)))]
            : [];
    }

    /// <summary>Alive and not a zombie (a zombie has exited; only its parent has not reaped it yet).</summary>
    public static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    public async Task SignalAsync(string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", _script.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    internal static int FindFreeBase()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // Below Linux's ephemeral range (32768+), where port-0 servers and outgoing connections take their ports, and
            // below TestPorts' range, so no other test is handed a port of this block before the script binds it.
            var candidate = Random.Shared.Next(200, 259) * 100;
            if (PortOffsets.All(offset => TestPorts.IsFree(candidate + offset)))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException("no free block of ports for the local mesh");
    }

    public async ValueTask DisposeAsync()
    {
        var leftovers = RecordedProcesses();
        if (!_script.HasExited)
        {
            // The script runs in its own session (setsid), so its process group is exactly what it started.
            using var group = System.Diagnostics.Process.Start("kill", ["-KILL", "--", $"-{_script.Id}"]);
            await group.WaitForExitAsync();
        }

        foreach (var (_, pid) in leftovers.Where(p => IsRunning(p.Pid)))
        {
            try
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill();
            }
            catch (ArgumentException)
            {
            }
        }

        // down.sh stops the PostgreSQL the script started (pg_ctl detaches it from the script's process group).
        await using (var down = ManagedProcess.Start("down.sh", "bash", [Path.Combine(MeshPaths.RepositoryRoot, "deploy/local/down.sh")],
            new Dictionary<string, string?> { ["MESH_STATE_DIR"] = StateDirectory }))
        {
            await down.WaitForExitAsync(TimeSpan.FromSeconds(60));
        }

        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (IOException)
        {
        }

        await _script.DisposeAsync();
    }
}
