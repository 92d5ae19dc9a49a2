using System.Diagnostics;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Cli;

/// <summary>What one meshctl run printed and returned.</summary>
internal sealed record MeshctlResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs the real meshctl program (<c>dotnet meshctl.dll</c>) as a child process with a clean environment: HOME points
/// at an empty directory so no developer's ~/.mesh/config.yaml leaks in.
/// </summary>
internal sealed class Meshctl(Uri? server, string? token)
{
    private static readonly string EmptyHome = Directory.CreateTempSubdirectory("meshctl-home-").FullName;

    public Dictionary<string, string?> Environment { get; } = new()
    {
        ["MESH_SERVER"] = server?.ToString(),
        ["MESH_TOKEN"] = token,
        ["MESH_CONFIG"] = null,
        ["HOME"] = EmptyHome,
    };

    public static Meshctl For(SiloProcess silo, string? token = SiloProcess.AdminToken) => new(silo.BaseAddress, token);

    public async Task<MeshctlResult> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<MeshctlResult> RunWithInputAsync(string? stdin, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(MeshPaths.Cli);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in Environment)
        {
            info.Environment[key] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start meshctl");
        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin);
            }

            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            await process.WaitForExitAsync(timeout.Token);
            return new MeshctlResult(process.ExitCode, await stdout, await stderr);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
