using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts.Resources;
using Mesh.Istio.Yaml;
using Mesh.Routing.Compilation;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Mesh.Tests.Routing;

namespace Mesh.Tests.Properties;

/// <summary>
/// The production path from Istio resources to the sidecar's route table for <c>reviews:9080</c>, as seen from
/// Bookinfo's productpage: <see cref="ProxyConfigCompiler"/> (the silo's compiler) and then the sidecar's
/// <see cref="RuntimeConfigBuilder"/> and <see cref="HostTable"/>.
/// </summary>
internal static class ReviewsRouteTable
{
    /// <summary>The Host header a caller of reviews sends.</summary>
    public const string Authority = CompilerFixture.Reviews + ":9080";

    private static readonly IReadOnlyList<MeshResource> Registry = ResourceDocumentReader.Read(CompilerFixture.Registry);

    /// <summary>Compiles <paramref name="istio"/> with the Bookinfo registry and returns the sidecar's virtual host for reviews.</summary>
    public static VirtualHostRuntime Build(params MeshResource[] istio)
    {
        var resources = Registry.Concat(istio)
            .Select((r, i) => r with { Metadata = r.Metadata with { Namespace = r.Metadata.Namespace ?? "default", ResourceVersion = i + 1 } })
            .ToList();
        var config = new ProxyConfigCompiler().Compile(resources, CompilerFixture.ProductPageNode, 42);
        var runtime = new RuntimeConfigBuilder(new SidecarOptions(), new SharedStateRegistry(), TimeProvider.System).Build(config);
        return runtime.Hosts.Find(Authority) ?? throw new InvalidOperationException($"no virtual host for {Authority}");
    }

    /// <summary>An Istio resource in namespace <c>default</c> whose spec is the given JSON.</summary>
    public static MeshResource Resource(string apiVersion, string kind, string name, JsonObject spec) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
        Spec = JsonSerializer.SerializeToElement(spec),
    };
}
