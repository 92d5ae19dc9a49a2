using System.Runtime.CompilerServices;

namespace Mesh.Tests.Infrastructure;

/// <summary>Locates the repository and the built programs the end-to-end tests start as real processes.</summary>
internal static class MeshPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>Debug or Release: whatever configuration this test assembly was built in.</summary>
    public static string Configuration { get; } =
        Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar))) ?? "Debug";

    public static string Silo => Program("silo/Mesh.Silo", "mesh-silo.dll");

    public static string Sidecar => Program("sidecar/Mesh.Sidecar", "mesh-sidecar.dll");

    /// <summary>
    /// The sidecar as deployed (NativeAOT; scripts/publish-sidecar.sh) when MESH_TEST_SIDECAR names it,
    /// as scripts/test.sh does, so the suite proves the artifact that ships; null runs the framework-dependent build.
    /// </summary>
    public static string? PublishedSidecar { get; } = Environment.GetEnvironmentVariable("MESH_TEST_SIDECAR") is { Length: > 0 } path
        ? File.Exists(path) ? path : throw new FileNotFoundException($"MESH_TEST_SIDECAR names {path}, which does not exist; run scripts/publish-sidecar.sh", path)
        : null;

    public static string Cli => Program("cli/Mesh.Cli", "meshctl.dll");

    public static string Demo => Program("demo/Mesh.Demo", "mesh-demo.dll");

    private static string Program(string projectDirectory, string dll)
    {
        var path = Path.Combine(RepositoryRoot, projectDirectory, "bin", Configuration, "net10.0", dll);
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{dll} is not built; run 'dotnet build Mesh.sln -c {Configuration}' first", path);
    }

    private static string FindRoot([CallerFilePath] string sourceFile = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException("Mesh.sln not found above the test assembly");
    }
}
