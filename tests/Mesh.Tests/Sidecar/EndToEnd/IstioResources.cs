using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>Istio resources as users write them (camelCase fields, Istio durations), for the end-to-end tests.</summary>
internal static class IstioResources
{
    public static MeshResource VirtualService(string name, object spec, IReadOnlyDictionary<string, string>? annotations = null) =>
        Resource("networking.istio.io/v1", "VirtualService", name, spec, annotations);

    public static MeshResource Gateway(string name, object spec) =>
        Resource("networking.istio.io/v1", "Gateway", name, spec, null);

    public static MeshResource ServiceEntry(string name, object spec) =>
        Resource("networking.istio.io/v1", "ServiceEntry", name, spec, null);

    public static MeshResource Sidecar(string name, object spec) =>
        Resource("networking.istio.io/v1", "Sidecar", name, spec, null);

    public static MeshResource DestinationRule(string name, object spec, IReadOnlyDictionary<string, string>? annotations = null) =>
        Resource("networking.istio.io/v1", "DestinationRule", name, spec, annotations);

    /// <summary>A VirtualService splitting <paramref name="host"/> between subsets v1 and v2.</summary>
    public static MeshResource Split(string host, int v1, int v2, object? extra = null) => VirtualService(host, new
    {
        hosts = new[] { host },
        http = new[]
        {
            new
            {
                route = new[]
                {
                    new { destination = new { host, subset = "v1" }, weight = v1 },
                    new { destination = new { host, subset = "v2" }, weight = v2 },
                },
            },
        },
    });

    public static MeshResource Subsets(string host, object? trafficPolicy = null, IReadOnlyDictionary<string, string>? annotations = null) => DestinationRule(host, new
    {
        host,
        trafficPolicy,
        subsets = new[]
        {
            new { name = "v1", labels = new Dictionary<string, string> { ["version"] = "v1" } },
            new { name = "v2", labels = new Dictionary<string, string> { ["version"] = "v2" } },
        },
    }, annotations);

    public static MeshResource Resource(string apiVersion, string kind, string name, object spec, IReadOnlyDictionary<string, string>? annotations = null) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default", Annotations = annotations },
        Spec = MeshJson.ToElement(spec),
    };
}
