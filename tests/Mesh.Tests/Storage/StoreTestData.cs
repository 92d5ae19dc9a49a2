using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;

namespace Mesh.Tests.Storage;

/// <summary>Resources and times for store tests. Times are whole seconds so every store keeps them exactly.</summary>
internal static class StoreTestData
{
    public static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static MeshResource Endpoint(string name, string @namespace = "default", string address = "10.0.0.1", IReadOnlyDictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "mesh.io/v1",
        Kind = "Endpoint",
        Metadata = new ResourceMetadata
        {
            Name = name,
            Namespace = @namespace,
            Labels = labels ?? new Dictionary<string, string> { ["app"] = name },
        },
        Spec = MeshJson.ToElement(new { address, port = 8080, weights = new[] { 1, 2 } }),
    };

    public static MeshResource Service(string name, string @namespace = "default") => new()
    {
        ApiVersion = "mesh.io/v1",
        Kind = "Service",
        Metadata = new ResourceMetadata { Name = name, Namespace = @namespace },
        Spec = MeshJson.ToElement(new { ports = new[] { new { port = 80, protocol = "HTTP" } } }),
    };

    public static ResourceKey EndpointKey(string name, string @namespace = "default") => new("Endpoint", @namespace, name);

    public static string AddressOf(MeshResource resource) => resource.Spec.GetProperty("address").GetString()!;
}
