using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Compiles Istio resources plus the mesh registry (Service, Endpoint) into one sidecar's <see cref="ProxyConfig"/>,
/// following Istio's documented semantics. Thread-safe. Every call indexes its input by host, so the cost is linear in
/// the number of resources; typed specs are cached per resource instance, so recompiling after a delta re-reads only
/// the resources that changed.
/// </summary>
public sealed class ProxyConfigCompiler(ProxyCompilerOptions? options = null) : IProxyConfigCompiler
{
    private readonly ProxyCompilerOptions _options = options ?? new ProxyCompilerOptions();
    private readonly SpecCache _specs = new();

    /// <summary>A compiler with the given (or default) mesh options.</summary>
    public static IProxyConfigCompiler Create(ProxyCompilerOptions? options = null) => new ProxyConfigCompiler(options);

    /// <inheritdoc />
    public ProxyConfig Compile(IReadOnlyCollection<MeshResource> resources, NodeInfo node, long revision)
    {
        ArgumentNullException.ThrowIfNull(resources);
        ArgumentNullException.ThrowIfNull(node);

        var warnings = new List<string>();
        var index = ResourceIndex.Build(resources, _specs, warnings, node.Namespace);
        // Workload identities are in the trust domain the mesh's CA signs for, which the silos publish with the roots.
        var options = index.TrustDomain is { Length: > 0 } trustDomain && trustDomain != _options.TrustDomain ? _options with { TrustDomain = trustDomain } : _options;
        var context = new CompilationContext(index, node, options, warnings);
        context.ClusterBuilder.BuildAll();

        var translator = new RouteTranslator(context);
        var scope = DependencyFilter.For(context);
        var virtualHosts = new VirtualHostBuilder(context, translator, scope).Build();
        var gateways = new GatewayBuilder(context, translator).Build();
        var tcpListeners = new TcpListenerBuilder(context, translator).Build();
        var outboundPolicy = OutboundPolicyTranslator.Translate(context);
        // An AUTO_PASSTHROUGH gateway routes by the cluster named in the SNI, so it keeps every cluster.
        var scoped = scope.IsScoped && !tcpListeners.Any(l => l.Mode == TcpListenerMode.AutoPassthrough);

        return new ProxyConfig
        {
            Revision = revision,
            VirtualHosts = virtualHosts,
            Clusters = scoped ? Referenced(context.Clusters, virtualHosts, gateways, tcpListeners, outboundPolicy) : context.Clusters,
            Gateways = gateways,
            TcpListeners = tcpListeners,
            OutboundTrafficPolicy = outboundPolicy,
            Inbound = InboundBuilder.Build(context),
            Warnings = warnings,
        };
    }

    /// <summary>A scoped sidecar receives only the clusters its routes can reach.</summary>
    private static Dictionary<string, ClusterConfig> Referenced(Dictionary<string, ClusterConfig> all, List<VirtualHostConfig> hosts, List<GatewayListenerConfig> gateways,
        List<TcpListenerConfig> tcpListeners, OutboundTrafficPolicyConfig outboundPolicy)
    {
        var result = new Dictionary<string, ClusterConfig>(StringComparer.Ordinal);
        foreach (var name in tcpListeners.SelectMany(l => l.Routes).SelectMany(r => r.Clusters).Select(c => c.Cluster))
        {
            if (all.TryGetValue(name, out var cluster))
            {
                result[name] = cluster;
            }
        }

        var egressProxy = outboundPolicy.EgressProxyRoute is { } proxy ? [proxy] : Array.Empty<RouteConfig>();
        foreach (var routes in hosts.Concat(gateways.SelectMany(g => g.VirtualHosts)).Select(h => h.Routes).Append(egressProxy))
        {
            foreach (var route in routes)
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

        // A reachable cluster's fallback is reachable too.
        foreach (var fallback in result.Values.Select(c => c.FallbackCluster).OfType<string>().ToList())
        {
            if (all.TryGetValue(fallback, out var cluster))
            {
                result[fallback] = cluster;
            }
        }

        return result;
    }
}
