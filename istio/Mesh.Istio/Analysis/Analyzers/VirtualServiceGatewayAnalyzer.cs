using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// istioctl's virtualservice.GatewayAnalyzer: each gateway a VirtualService binds to must exist (IST0101) and serve at
/// least one of its hosts (IST0132).
/// </summary>
internal sealed class VirtualServiceGatewayAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        var gateways = context.Of<GatewaySpec>(ResourceKinds.Gateway).ToDictionary(g => AnalysisContext.FullName(g.Resource), g => g, StringComparer.Ordinal);
        foreach (var (resource, spec) in context.Of<VirtualServiceSpec>(ResourceKinds.VirtualService))
        {
            var list = spec.Gateways ?? [];
            for (var i = 0; i < list.Count; i++)
            {
                if (list[i] == "mesh")
                {
                    continue;
                }

                var name = list[i].Contains('/', StringComparison.Ordinal) ? list[i] : $"{resource.Key.Namespace}/{list[i]}";
                var found = gateways.TryGetValue(name, out var gateway);
                if (!found)
                {
                    context.Report(resource, IstioMessage.ReferencedResourceNotFound, $"spec.gateways[{i}]", "gateway", list[i]);
                }

                if (!found || !ServesAnyHost(gateway.Spec, gateway.Resource.Key.Namespace, spec.Hosts ?? [], resource.Key.Namespace))
                {
                    context.Report(resource, IstioMessage.VirtualServiceHostNotFoundInGateway, $"spec.gateways[{i}]",
                        IstioMessage.GoList(spec.Hosts ?? []), AnalysisContext.FullName(resource), name);
                }
            }
        }
    }

    /// <summary>Server hosts are "host" or "ns/host" ("." is the gateway's namespace, "*" any); only those visible to the VirtualService's namespace count.</summary>
    private static bool ServesAnyHost(GatewaySpec gateway, string gatewayNamespace, IReadOnlyList<string> hosts, string vsNamespace)
    {
        foreach (var serverHost in (gateway.Servers ?? []).SelectMany(s => s.Hosts ?? []))
        {
            var slash = serverHost.IndexOf('/', StringComparison.Ordinal);
            var ns = slash < 0 ? "*" : serverHost[..slash];
            var host = slash < 0 ? serverHost : serverHost[(slash + 1)..];
            if (ns == ".")
            {
                ns = gatewayNamespace;
            }

            if ((ns == "*" || ns == vsNamespace) && hosts.Any(h => HostPatterns.Overlap(host, h)))
            {
                return true;
            }
        }

        return false;
    }
}
