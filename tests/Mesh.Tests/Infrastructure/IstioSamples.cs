namespace Mesh.Tests.Infrastructure;

/// <summary>Where the unmodified Istio sample files are: the shared originals when present, else the vendored copy.</summary>
internal static class IstioSamples
{
    public static string Directory { get; } = Find();

    public static string File(string name) => Path.Combine(Directory, name);

    private static string Find()
    {
        var candidates = new[]
        {
            Environment.GetEnvironmentVariable("MESH_ISTIO_SAMPLES"),
            Path.Combine(MeshPaths.RepositoryRoot, "..", "shared", "istio-samples"),
            "/work/shared/istio-samples",
            Path.Combine(MeshPaths.RepositoryRoot, "tests", "Mesh.Tests", "Samples", "istio-samples"),
        };
        return candidates.First(c => !string.IsNullOrEmpty(c) && System.IO.File.Exists(Path.Combine(c, "virtual-service-reviews-90-10.yaml")))!;
    }
}
