using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Istio Sidecar <c>outboundTrafficPolicy</c> of the Sidecar resource that selects the node. Istio's enum default is
/// REGISTRY_ONLY, so a policy with no mode blocks; no policy at all keeps the mesh's default (404 NR).
/// </summary>
internal static class OutboundPolicyTranslator
{
    public const string AllowAnyRoute = "allow_any";

    public static OutboundTrafficPolicyConfig Translate(CompilationContext context)
    {
        if (DependencyFilter.SelectSidecar(context) is not { Spec.OutboundTrafficPolicy: { } policy } sidecar)
        {
            return new OutboundTrafficPolicyConfig();
        }

        if (policy.Mode != "ALLOW_ANY")
        {
            return new OutboundTrafficPolicyConfig { Mode = OutboundTrafficMode.RegistryOnly };
        }

        RouteConfig? egressProxy = null;
        if (policy.EgressProxy is { Host.Length: > 0 } proxy)
        {
            var fqdn = context.Resolve(proxy.Host!, sidecar.Namespace);
            var port = proxy.Port?.Number ?? 80;
            var subset = string.IsNullOrEmpty(proxy.Subset) ? null : proxy.Subset;
            var cluster = context.ClusterBuilder.Ensure(fqdn, port, subset, $"Sidecar {sidecar.Namespace}/{sidecar.Name}: spec.outboundTrafficPolicy.egressProxy");
            egressProxy = new RouteConfig
            {
                Name = AllowAnyRoute,
                Clusters = [new WeightedClusterConfig { Cluster = cluster, Weight = 100 }],
                Retry = RouteTranslator.DefaultRetry,
            };
        }

        return new OutboundTrafficPolicyConfig { Mode = OutboundTrafficMode.AllowAny, EgressProxyRoute = egressProxy };
    }
}
