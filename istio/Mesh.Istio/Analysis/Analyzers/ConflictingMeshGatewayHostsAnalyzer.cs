using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// istioctl's virtualservice.ConflictingMeshGatewayHostsAnalyzer (IST0109): two VirtualServices bound to the mesh that
/// claim the same host where both are visible. Visibility follows exportTo: a host is keyed by each namespace the
/// VirtualService is exported to ("*" when exported everywhere), and a VirtualService exported everywhere also
/// collides with every namespace-scoped one. Reported on every VirtualService involved.
/// </summary>
internal sealed class ConflictingMeshGatewayHostsAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        var byScopedHost = new Dictionary<(string Scope, string Fqdn), List<MeshResource>>();
        foreach (var (resource, spec) in context.Of<VirtualServiceSpec>(ResourceKinds.VirtualService))
        {
            if (spec.Gateways is { Count: > 0 } gateways && !gateways.Contains("mesh"))
            {
                continue;
            }

            foreach (var scope in ExportScopes.Of(spec.ExportTo, resource.Key.Namespace))
            {
                foreach (var host in spec.Hosts ?? [])
                {
                    var key = (scope, context.Catalog.Resolve(host, resource.Key.Namespace));
                    if (!byScopedHost.TryGetValue(key, out var list))
                    {
                        byScopedHost[key] = list = [];
                    }

                    list.Add(resource);
                }
            }
        }

        var reported = new HashSet<ResourceKey>();
        foreach (var ((scope, fqdn), list) in byScopedHost.OrderBy(e => e.Key.Scope, StringComparer.Ordinal).ThenBy(e => e.Key.Fqdn, StringComparer.Ordinal))
        {
            var involved = scope == ExportScopes.Everywhere ? list : [.. list, .. byScopedHost.Where(e => e.Key.Scope == ExportScopes.Everywhere && HostPatterns.Overlap(e.Key.Fqdn, fqdn)).SelectMany(e => e.Value)];
            involved = [.. involved.DistinctBy(r => r.Key)];
            if (involved.Count < 2)
            {
                continue;
            }

            var names = string.Join(",", involved.Select(AnalysisContext.FullName).Order(StringComparer.Ordinal));
            var fresh = involved.Where(r => reported.Add(r.Key)).ToList();
            context.ReportAll(involved, fresh, IstioMessage.ConflictingMeshGatewayVirtualServiceHosts, "spec.hosts", names, $"{scope}/{fqdn}");
        }
    }
}
