using Xunit.Abstractions;

namespace Mesh.Tests.Infrastructure;

/// <summary>A silo serving only https://, with a certificate from its own CA (<c>Mesh:Tls:SelfIssued</c>), in-memory store.</summary>
internal static class TlsSiloProcess
{
    public static (ManagedProcess Process, Uri Address) Start(string name, ITestOutputHelper? log, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var address = new Uri($"https://127.0.0.1:{TestPorts.Next()}");
        var environment = new Dictionary<string, string?>
        {
            ["Mesh__AdminToken"] = SiloProcess.AdminToken,
            ["Mesh__Tls__SelfIssued"] = "true",
            ["Mesh__Postgres"] = null,
            ["MESH_POSTGRES"] = null,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var process = ManagedProcess.StartDotnet(name, MeshPaths.Silo, ["--urls", address.ToString()], environment, log);
        return (process, address);
    }
}
