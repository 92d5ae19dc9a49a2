using System.Diagnostics;

namespace Mesh.Tests.Security;

/// <summary>Runs the machine's openssl binary: an implementation independent of .NET's crypto stack.</summary>
internal sealed class OpenSsl : IDisposable
{
    public OpenSsl() => Directory.CreateDirectory(WorkDir);

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "mesh-openssl-" + Guid.NewGuid().ToString("N"));

    public string PathOf(string name) => Path.Combine(WorkDir, name);

    /// <summary>Runs openssl with the arguments in the work directory; returns stdout bytes, throws on failure.</summary>
    public byte[] Run(params string[] args)
    {
        var info = new ProcessStartInfo("openssl") { WorkingDirectory = WorkDir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        using var stdout = new MemoryStream();
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', args)} failed: {stderr.Result}");
        }

        return stdout.ToArray();
    }

    public string RunText(params string[] args) => System.Text.Encoding.ASCII.GetString(Run(args));

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
