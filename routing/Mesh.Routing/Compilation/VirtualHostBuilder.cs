using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// The sidecar's outbound routing table: a virtual host per service port, routed by the VirtualService bound to the
/// mesh for that host, or by the default route to the service's cluster.
/// </summary>
/// <remarks>
/// Several mesh VirtualServices for one host: the oldest wins and the others are reported (Istio merges them only for
/// gateways; for sidecars its result is the first one, and <c>istioctl analyze</c> flags the conflict).
/// Short names: <c>name</c> resolves to a service of the node's own namespace, like a Kubernetes DNS search path; for
/// a service in another namespace <c>name</c> is a domain only when no other namespace has a service of that name.
/// </remarks>
internal sealed class VirtualHostBuilder(CompilationContext context, RouteTranslator translator, DependencyFilter scope)
{
    public List<VirtualHostConfig> Build()
    {
        var meshServices = IndexMeshVirtualServices();
        var shortNames = CountShortNames();
        var result = new List<VirtualHostConfig>();
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in context.Catalog.All)
        {
            if (!scope.Allows(service.Fqdn, service.Namespace))
            {
                continue;
            }

            var candidates = meshServices.Find(service.Fqdn);
            var vs = candidates.Count > 0 ? candidates[0] : null;
            if (candidates.Count > 1 && reported.Add(service.Fqdn))
            {
                context.Warnings.Add($"host {service.Fqdn} has {candidates.Count} VirtualServices; {vs!.Namespace}/{vs.Name} (the oldest) is used, " +
                    string.Join(", ", candidates.Skip(1).Select(c => $"{c.Namespace}/{c.Name}")) + " ignored");
            }

            foreach (var port in service.Ports)
            {
                result.Add(new VirtualHostConfig
                {
                    Name = $"{service.Fqdn}:{port.Number}",
                    Domains = Domains(service, port.Number, shortNames),
                    Port = port.Number,
                    Routes = vs is null
                        ? [RouteTranslator.Default(ClusterBuilder.Name(port.Number, null, service.Fqdn))]
                        : Routes(vs, port.Number),
                });
            }
        }

        AddHostsWithoutService(meshServices, result);
        return result;
    }

    public List<RouteConfig> Routes(Typed<VirtualServiceSpec> vs, int port) =>
        translator.TranslateHttp(vs, new RouteScope(CompilationContext.MeshGateway, port, vs.Namespace));

    /// <summary>VirtualServices that apply to sidecars: no <c>gateways</c>, or <c>gateways</c> containing <c>mesh</c>.</summary>
    private HostIndex<Typed<VirtualServiceSpec>> IndexMeshVirtualServices()
    {
        var index = new HostIndex<Typed<VirtualServiceSpec>>();
        foreach (var vs in context.Index.VirtualServices)
        {
            if (vs.Spec.Gateways is { Count: > 0 } gateways && !gateways.Contains(CompilationContext.MeshGateway))
            {
                continue;
            }

            foreach (var host in vs.Spec.Hosts ?? [])
            {
                index.Add(context.Resolve(host, vs.Namespace), vs);
            }
        }

        return index;
    }

    /// <summary>Istio also serves a mesh VirtualService whose host is no known service, on port 80.</summary>
    private void AddHostsWithoutService(HostIndex<Typed<VirtualServiceSpec>> meshServices, List<VirtualHostConfig> result)
    {
        foreach (var host in meshServices.ExactHosts)
        {
            if (context.Catalog.Contains(host) || !scope.Allows(host, null))
            {
                continue;
            }

            var vs = meshServices.Find(host)[0];
            result.Add(new VirtualHostConfig { Name = $"{host}:80", Domains = [host, $"{host}:80"], Port = 80, Routes = Routes(vs, 80) });
        }
    }

    private Dictionary<string, int> CountShortNames()
    {
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in context.Catalog.All)
        {
            if (!service.FromServiceEntry)
            {
                counts[service.Name] = counts.GetValueOrDefault(service.Name) + 1;
            }
        }

        return counts;
    }

    private List<string> Domains(ServiceModel service, int port, Dictionary<string, int> shortNames)
    {
        var domains = new List<string>(8);
        if (service.FromServiceEntry)
        {
            domains.Add(service.Fqdn);
            domains.Add($"{service.Fqdn}:{port}");
            return domains;
        }

        if (service.Namespace == context.Node.Namespace || shortNames.GetValueOrDefault(service.Name) == 1)
        {
            AddWithPort(domains, service.Name, port);
        }

        AddWithPort(domains, $"{service.Name}.{service.Namespace}", port);
        AddWithPort(domains, $"{service.Name}.{service.Namespace}.svc", port);
        AddWithPort(domains, service.Fqdn, port);
        return domains;
    }

    private static void AddWithPort(List<string> domains, string host, int port)
    {
        domains.Add(host);
        domains.Add($"{host}:{port}");
    }
}
