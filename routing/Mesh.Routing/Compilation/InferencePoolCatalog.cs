using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// InferencePools become routable hosts named after the pool (<c>pool.namespace.svc.cluster.local</c>, so a
/// VirtualService destination or a caller names it like a Service). Each target port takes the registry endpoints of
/// the pool's namespace whose labels the selector matches and that listen on that port, as the Inference Extension
/// addresses pods by <c>podIP:targetPort</c>. A pool with a single target port takes every selected endpoint, as a
/// single-port Service does: workloads on plain machines (or sharing one host) listen wherever they were started.
/// </summary>
internal static class InferencePoolCatalog
{
    public static void AddTo(ServiceCatalog catalog, ResourceIndex index, HostNames names, ProxyCompilerOptions options, List<string> warnings)
    {
        if (index.InferencePools.Count == 0)
        {
            return;
        }

        // A member's identity is the account of the Service it registered under, as for that Service's own clusters.
        var accounts = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in index.Services)
        {
            accounts.TryAdd(names.Fqdn(service.Name, service.Namespace), service.Spec.ServiceAccount);
        }

        foreach (var pool in index.InferencePools)
        {
            var selector = pool.Spec.Selector?.MatchLabels;
            if (selector is not { Count: > 0 })
            {
                continue;
            }

            var members = index.Endpoints
                .Where(e => e.Namespace == pool.Namespace && Labels.IsSubset(selector, e.Resource.Metadata.Labels ?? Labels.Empty))
                .ToList();
            var ports = new List<PortModel>();
            var targetPorts = (pool.Spec.TargetPorts ?? []).Select(p => p?.Number).OfType<int>().Distinct().ToList();
            foreach (var number in targetPorts)
            {
                var endpoints = members.Where(e => targetPorts.Count == 1 || e.Spec.Port == number).Select(e => ServiceCatalog.RegistryEndpoint(e,
                    ServiceCatalog.IdentityOf(options, e.Namespace, accounts.GetValueOrDefault(names.Resolve(e.Spec.Service, e.Namespace, static _ => true))))).ToList();
                ports.Add(new PortModel(number, $"http-{number}", "HTTP", endpoints));
            }

            var fqdn = names.Fqdn(pool.Name, pool.Namespace);
            if (!catalog.TryAdd(new ServiceModel { Fqdn = fqdn, Name = pool.Name, Namespace = pool.Namespace, InferencePool = true, Ports = ports }))
            {
                warnings.Add($"{pool.Display}: host {fqdn} is already a service; the pool is ignored (name the pool differently from its servers' Service)");
            }
        }
    }
}
