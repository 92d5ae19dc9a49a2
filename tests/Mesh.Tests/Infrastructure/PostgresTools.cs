using System.Diagnostics;

namespace Mesh.Tests.Infrastructure;

/// <summary>Finding and running the PostgreSQL server binaries for <see cref="PostgresServer"/>.</summary>
internal static class PostgresTools
{
    private const string BinariesRoot = "/usr/lib/postgresql";

    public static async Task InitializeClusterAsync(string bin, string directory, CancellationToken cancellationToken)
    {
        if (Environment.IsPrivilegedProcess)
        {
            // PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
            var (chownExit, chownOutput) = await RunProcessAsync("chown", ["-R", "postgres:postgres", directory], cancellationToken);
            if (chownExit != 0)
            {
                throw new InvalidOperationException($"chown of {directory} to postgres failed ({chownExit}): {chownOutput}");
            }
        }

        var (exit, output) = await RunAsync(bin, "initdb", ["-D", DataDirectory(directory), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"], cancellationToken);
        if (exit != 0)
        {
            throw new InvalidOperationException($"initdb failed ({exit}): {output}");
        }
    }

    public static string FindBinaries()
    {
        var candidates = Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot)
                .Select(d => (Path: Path.Combine(d, "bin"), Version: decimal.TryParse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : -1))
                .Where(c => File.Exists(Path.Combine(c.Path, "initdb")) && File.Exists(Path.Combine(c.Path, "pg_ctl")))
                .OrderByDescending(c => c.Version)
                .ToList()
            : [];
        return candidates.Count > 0
            ? candidates[0].Path
            : throw new InvalidOperationException(
                $"No PostgreSQL server binaries (initdb, pg_ctl) under {BinariesRoot}/*/bin. Install them (apt-get install postgresql) " +
                $"or set {PostgresServer.ExternalVariable} to the connection string of a server the tests may create databases on.");
    }

    public static Task<(int Exit, string Output)> RunAsync(string bin, string tool, IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        Environment.IsPrivilegedProcess
            ? RunProcessAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments], cancellationToken)
            : RunProcessAsync(Path.Combine(bin, tool), arguments, cancellationToken);

    public static async Task<(int Exit, string Output)> RunProcessAsync(string file, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }

    /// <summary>The cluster's data directory inside the server's temp directory.</summary>
    public static string DataDirectory(string directory) => Path.Combine(directory, "data");
}
