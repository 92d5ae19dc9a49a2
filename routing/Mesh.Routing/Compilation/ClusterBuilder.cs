using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Builds <c>outbound|port|subset|fqdn</c> clusters: one default cluster per service port with every endpoint, and one
/// per DestinationRule subset with the endpoints whose labels the subset selects.
/// </summary>
internal sealed class ClusterBuilder(CompilationContext context)
{
    public static string Name(int port, string? subset, string fqdn) => $"outbound|{port}|{subset}|{fqdn}";

    public void BuildAll()
    {
        foreach (var service in context.Catalog.All)
        {
            var rule = context.DestinationRuleFor(service.Fqdn, service.Namespace);
            var fallback = FallbackOf(service, rule);
            foreach (var port in service.Ports)
            {
                var cluster = Base(service, port.Number, null, port.Endpoints);
                var portPolicy = TrafficPolicyTranslator.ForPort(rule?.Spec.TrafficPolicy, port.Number);
                context.Clusters[cluster.Name] = TrafficPolicyTranslator.Apply(cluster, portPolicy, rule?.Resource, service.InferencePool) with { FallbackCluster = fallback };
                foreach (var subset in rule?.Spec.Subsets ?? [])
                {
                    if (string.IsNullOrEmpty(subset.Name))
                    {
                        continue;
                    }

                    var endpoints = port.Endpoints.Where(e => Labels.IsSubset(subset.Labels, e.Labels)).ToList();
                    var subsetCluster = Base(service, port.Number, subset.Name, endpoints);
                    var policy = TrafficPolicyTranslator.Merge(portPolicy, TrafficPolicyTranslator.ForPort(subset.TrafficPolicy, port.Number));
                    context.Clusters[subsetCluster.Name] = TrafficPolicyTranslator.Apply(subsetCluster, policy, rule!.Resource, service.InferencePool) with { FallbackCluster = fallback };
                }
            }
        }
    }

    /// <summary>
    /// The default cluster of the host that <c>inference.mesh.dev/fallback</c> names, for the service and its subsets;
    /// every port of a catalog host has one. An unknown host or port is a warning and no fallback, never a broken route.
    /// </summary>
    private string? FallbackOf(ServiceModel service, Typed<DestinationRuleSpec>? rule)
    {
        if (rule?.Resource.Metadata.Annotations?.GetValueOrDefault(Contracts.Resources.FallbackAnnotation.Name) is not { Length: > 0 } target)
        {
            return null;
        }

        var fallback = Contracts.Resources.FallbackAnnotation.TryParse(target, out var host, out var port) ? context.Catalog.Find(context.Resolve(host, rule.Namespace)) : null;
        var number = port ?? (fallback?.Ports is { Count: > 0 } ports ? ports[0].Number : null);
        if (fallback is null || fallback == service || number is not { } p || fallback.FindPort(p) is null)
        {
            context.Warnings.Add($"{rule.Display}: fallback \"{target}\" is not a port of a known host other than {service.Fqdn}; no fallback");
            return null;
        }

        return Name(p, null, fallback.Fqdn);
    }

    /// <summary>
    /// The cluster a route destination names. A destination whose host or subset is unknown still gets a cluster, with
    /// no endpoints, so the route answers 503 like Istio's "no healthy upstream" instead of disappearing.
    /// </summary>
    public string Ensure(string fqdn, int port, string? subset, string referrer)
    {
        var name = Name(port, subset, fqdn);
        if (context.Clusters.ContainsKey(name))
        {
            return name;
        }

        var service = context.Catalog.Find(fqdn);
        if (service is null)
        {
            context.Warnings.Add($"{referrer}: host {fqdn} is not a known service; its route has no endpoints");
        }
        else if (subset is not null)
        {
            context.Warnings.Add($"{referrer}: subset \"{subset}\" of {fqdn} is not defined by a DestinationRule; its route has no endpoints");
        }
        else
        {
            context.Warnings.Add($"{referrer}: port {port} is not a port of {fqdn}; its route has no endpoints");
        }

        var rule = context.DestinationRuleFor(fqdn, service?.Namespace ?? context.Node.Namespace);
        var cluster = new ClusterConfig
        {
            Name = name,
            Host = fqdn,
            Namespace = service?.Namespace ?? context.Node.Namespace,
            ServiceName = service?.Name ?? fqdn.Split('.')[0],
            Port = port,
            Subset = subset,
            External = service?.External ?? false,
        };
        context.Clusters[name] = TrafficPolicyTranslator.Apply(cluster, TrafficPolicyTranslator.ForPort(rule?.Spec.TrafficPolicy, port), rule?.Resource);
        return name;
    }

    private static ClusterConfig Base(ServiceModel service, int port, string? subset, IReadOnlyList<EndpointConfig> endpoints) => new()
    {
        Name = Name(port, subset, service.Fqdn),
        Host = service.Fqdn,
        Namespace = service.Namespace,
        ServiceName = service.Name,
        Port = port,
        Subset = subset,
        External = service.External,
        Endpoints = WithGatewaySni(endpoints, port, subset, service.Fqdn),
    };

    /// <summary>
    /// A peer's gateway endpoint is told the cluster it serves, as Istio's SNI names it, so the peer's gateway routes to
    /// the same port and subset of its own service (subsets are resolved by the exporting cluster's DestinationRule).
    /// </summary>
    private static IReadOnlyList<EndpointConfig> WithGatewaySni(IReadOnlyList<EndpointConfig> endpoints, int port, string? subset, string fqdn)
    {
        if (!endpoints.Any(e => e.Peer is not null))
        {
            return endpoints;
        }

        var sni = $"outbound_.{port}_.{subset}_.{fqdn}";
        return endpoints.Select(e => e.Peer is null ? e : e with { GatewaySni = sni }).ToList();
    }
}
