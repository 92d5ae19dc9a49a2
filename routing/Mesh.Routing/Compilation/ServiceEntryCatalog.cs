using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// ServiceEntry hosts become routable hosts. Their endpoints are the inline <c>endpoints</c>, or the WorkloadEntry
/// resources of the same namespace selected by <c>workloadSelector</c>. A DNS (or NONE) entry without endpoints gets
/// its own host name as the single endpoint, which is how Istio reaches an external host by name.
/// </summary>
internal static class ServiceEntryCatalog
{
    public static void AddTo(ServiceCatalog catalog, ResourceIndex index, HostNames names, ProxyCompilerOptions options, List<string> warnings)
    {
        foreach (var entry in index.ServiceEntries)
        {
            var spec = entry.Spec;
            var external = !string.Equals(spec.Location, "MESH_INTERNAL", StringComparison.OrdinalIgnoreCase);
            var workloads = SelectWorkloads(entry, index);
            foreach (var rawHost in spec.Hosts ?? [])
            {
                var fqdn = names.Resolve(rawHost, entry.Namespace, catalog.Contains);
                var ports = new List<PortModel>();
                foreach (var port in spec.Ports ?? [])
                {
                    if (port.Number is not { } number)
                    {
                        continue;
                    }

                    // A workload without an address is reached through its network's gateway in Istio, which the mesh does not route yet.
                    var endpoints = workloads.Where(w => !string.IsNullOrEmpty(w.Address)).Select(w => ToEndpoint(w, port, external, entry.Namespace, options)).ToList();
                    if (endpoints.Count == 0 && fqdn[0] != '*' && !string.Equals(spec.Resolution, "STATIC", StringComparison.OrdinalIgnoreCase))
                    {
                        endpoints.Add(new EndpointConfig { Address = fqdn, Port = port.TargetPort ?? number });
                    }

                    ports.Add(new PortModel(number, port.Name ?? "", port.Protocol ?? "HTTP", endpoints));
                }

                var name = fqdn.Split('.')[0];
                var model = new ServiceModel { Fqdn = fqdn, Name = name, Namespace = entry.Namespace, External = external, FromServiceEntry = true, Ports = ports };
                if (!catalog.TryAdd(model))
                {
                    warnings.Add($"{entry.Display}: host {fqdn} is already defined by another service; this entry is ignored for it");
                }
            }
        }
    }

    private static List<WorkloadEntrySpec> SelectWorkloads(Typed<ServiceEntrySpec> entry, ResourceIndex index)
    {
        if (entry.Spec.WorkloadSelector is { } selector)
        {
            var selected = new List<WorkloadEntrySpec>();
            foreach (var workload in index.WorkloadEntries)
            {
                if (workload.Namespace == entry.Namespace &&
                    (Labels.IsSubset(selector.Labels, workload.Spec.Labels) || Labels.IsSubset(selector.Labels, workload.Resource.Metadata.Labels)))
                {
                    selected.Add(workload.Spec with { Labels = Merge(workload.Resource.Metadata.Labels, workload.Spec.Labels) });
                }
            }

            return selected;
        }

        return entry.Spec.Endpoints?.ToList() ?? [];
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? first, IReadOnlyDictionary<string, string>? second)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in new[] { first, second })
        {
            foreach (var (key, value) in source ?? Labels.Empty)
            {
                merged[key] = value;
            }
        }

        return merged;
    }

    private static EndpointConfig ToEndpoint(WorkloadEntrySpec workload, ServiceEntryPort port, bool external, string ns, ProxyCompilerOptions options)
    {
        var labels = workload.Labels ?? Labels.Empty;
        var endpointPort = port.Name is not null && workload.Ports?.TryGetValue(port.Name, out var mapped) == true ? mapped : port.TargetPort ?? port.Number ?? 0;
        return new EndpointConfig
        {
            Address = workload.Address ?? "",
            Port = endpointPort,
            Weight = workload.Weight is > 0 ? workload.Weight.Value : 1,
            Labels = labels,
            Region = Labels.Region(labels) ?? LocalityPart(workload.Locality, 0),
            Zone = Labels.Zone(labels) ?? LocalityPart(workload.Locality, 1),
            Subzone = Labels.Subzone(labels) ?? LocalityPart(workload.Locality, 2),
            Network = Labels.Network(labels) ?? (string.IsNullOrEmpty(workload.Network) ? null : workload.Network),
            Identity = external ? null : ServiceCatalog.IdentityOf(options, ns, workload.ServiceAccount),
        };
    }

    /// <summary>Istio locality is <c>region/zone/subzone</c>; a topology label of the endpoint wins over its part.</summary>
    private static string? LocalityPart(string? locality, int index)
    {
        var parts = locality?.Split('/');
        return parts is not null && parts.Length > index && parts[index].Length > 0 ? parts[index] : null;
    }
}
