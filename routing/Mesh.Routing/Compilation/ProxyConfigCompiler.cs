using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Compiles Istio resources plus the mesh registry (Service, Endpoint) into one sidecar's <see cref="ProxyConfig"/>,
/// following Istio's documented semantics. Stateless and thread-safe; every call indexes its input by host, so the
/// cost is linear in the number of resources.
/// </summary>
public sealed class ProxyConfigCompiler(ProxyCompilerOptions? options = null) : IProxyConfigCompiler
{
    private readonly ProxyCompilerOptions _options = options ?? new ProxyCompilerOptions();

    /// <summary>A compiler with the given (or default) mesh options.</summary>
    public static IProxyConfigCompiler Create(ProxyCompilerOptions? options = null) => new ProxyConfigCompiler(options);

    /// <inheritdoc />
    public ProxyConfig Compile(IReadOnlyCollection<MeshResource> resources, NodeInfo node, long revision)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(node);

        var warnings = new List<string>();
        var index = ResourceIndex.Build(resources, warnings);
        var context = new CompilationContext(index, node, _options, warnings);
        context.ClusterBuilder.BuildAll();

        var translator = new RouteTranslator(context);
        var scope = DependencyFilter.For(context);
        var virtualHosts = new VirtualHostBuilder(context, translator, scope).Build();
        var gateways = new GatewayBuilder(context, translator).Build();

        return new ProxyConfig
        {
            Revision = revision,
            VirtualHosts = virtualHosts,
            Clusters = scope.IsScoped ? Referenced(context.Clusters, virtualHosts, gateways) : context.Clusters,
            Gateways = gateways,
            Inbound = InboundBuilder.Build(context),
            Warnings = warnings,
        };
    }

    /// <summary>A scoped sidecar receives only the clusters its routes can reach.</summary>
    private static Dictionary<string, ClusterConfig> Referenced(Dictionary<string, ClusterConfig> all, List<VirtualHostConfig> hosts, List<GatewayListenerConfig> gateways)
    {
        var result = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        foreach (var host in hosts.Concat(gateways.SelectMany(g => g.VirtualHosts)))
        {
            foreach (var route in host.Routes)
            {
                foreach (var name in route.Clusters.Select(c => c.Cluster).Append(route.Mirror?.Cluster))
                {
                    if (name is not null && all.TryGetValue(name, out var cluster))
                    {
                        result[name] = cluster;
                    }
                }
            }
        }

        return result;
    }
}
