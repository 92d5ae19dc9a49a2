using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// istioctl's virtualservice.DestinationHostAnalyzer and DestinationRuleAnalyzer: destination hosts that exist
/// (IST0101), a port where the host has several (IST0112) or one it exposes (IST0101 host:port), subsets some
/// DestinationRule defines (IST0101 host+subset), and subsets on gateway routes that another VirtualService already
/// splits by subset (IST0140).
/// </summary>
internal sealed class DestinationHostAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        var splitBySubset = SubsetDestinations(context);
        foreach (var (resource, spec) in context.Of<VirtualServiceSpec>(ResourceKinds.VirtualService))
        {
            var extras = context.Spec<VirtualServiceExtras>(resource);
            foreach (var (destination, path, use) in VirtualServiceDestinations.All(spec, extras))
            {
                Destination(context, resource, destination, path, use);
            }

            IngressSubsets(context, resource, spec, splitBySubset);
        }
    }

    private static void Destination(AnalysisContext context, MeshResource resource, Destination destination, string path, VirtualServiceDestinations.Use use)
    {
        var mirror = use == VirtualServiceDestinations.Use.Mirror;
        var fqdn = context.Catalog.Resolve(destination.Host!, resource.Key.Namespace);
        if (!context.Catalog.IsKnownHost(fqdn))
        {
            context.Report(resource, IstioMessage.ReferencedResourceNotFound, $"{path}.host", mirror ? "mirror host" : "host", destination.Host!);
            return;
        }

        var ports = context.Catalog.Ports(fqdn);
        if (destination.Port?.Number is not { } port)
        {
            if (ports.Distinct().Count() > 1)
            {
                context.Report(resource, IstioMessage.VirtualServiceDestinationPortSelectorRequired, $"{path}.port", destination.Host!, IstioMessage.GoList(ports.Cast<object>()));
            }
        }
        else if (ports.Count > 0 && !ports.Contains(port))
        {
            context.Report(resource, IstioMessage.ReferencedResourceNotFound, $"{path}.port", "host:port", $"{destination.Host}:{port}");
        }

        if (destination.Subset is { Length: > 0 } subset && !context.Catalog.HasSubset(fqdn, subset))
        {
            context.Report(resource, IstioMessage.ReferencedResourceNotFound, $"{path}.subset", mirror ? "mirror+subset in destinationrule" : "host+subset in destinationrule", $"{destination.Host}+{subset}");
        }
    }

    /// <summary>VirtualServices that route one of their own hosts by subset: their subsets do not apply to gateway traffic sent to that host.</summary>
    private static List<(MeshResource Resource, HashSet<string> Hosts)> SubsetDestinations(AnalysisContext context)
    {
        var result = new List<(MeshResource, HashSet<string>)>();
        foreach (var (resource, spec) in context.Of<VirtualServiceSpec>(ResourceKinds.VirtualService))
        {
            var hosts = (spec.Http ?? []).SelectMany(h => h.Route ?? [])
                .Where(r => r.Destination is { Subset.Length: > 0, Host: { } host } && (spec.Hosts ?? []).Contains(host))
                .Select(r => r.Destination!.Host!).ToHashSet(StringComparer.Ordinal);
            if (hosts.Count > 0)
            {
                result.Add((resource, hosts));
            }
        }

        return result;
    }

    private static void IngressSubsets(AnalysisContext context, MeshResource resource, VirtualServiceSpec spec, List<(MeshResource Resource, HashSet<string> Hosts)> splitBySubset)
    {
        if (spec.Gateways is not { Count: > 0 })
        {
            return;
        }

        var http = spec.Http ?? [];
        for (var i = 0; i < http.Count; i++)
        {
            var route = http[i].Route ?? [];
            for (var j = 0; j < route.Count; j++)
            {
                if (route[j].Destination is { Host: { } host, Subset: null or "" })
                {
                    foreach (var (other, hosts) in splitBySubset.Where(s => s.Hosts.Contains(host)))
                    {
                        context.Report(resource, IstioMessage.IngressRouteRulesNotAffected, $"spec.http[{i}].route[{j}].destination.host", AnalysisContext.FullName(other), AnalysisContext.FullName(resource));
                    }
                }
            }
        }
    }
}
