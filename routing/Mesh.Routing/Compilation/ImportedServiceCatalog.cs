using Mesh.Contracts.Federation;
using Mesh.Contracts.Registry;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Services imported from peer clusters. Each import adds, to the local service of the same name and namespace (Istio's
/// namespace sameness), one endpoint per locality of the peer: the peer's east-west gateway, weighted by the healthy
/// workloads there and carrying the locality, so locality load balancing and failover treat the peer like any other
/// place the service runs. A locality with no healthy workload, or behind a gateway this cluster cannot reach, is kept
/// but unhealthy, so it is never chosen.
/// </summary>
internal static class ImportedServiceCatalog
{
    /// <summary>The cluster label every imported endpoint carries (the peering name), for subsets and failoverPriority.</summary>
    public const string ClusterLabel = "mesh.dev/cluster";

    public static Dictionary<string, List<Typed<ImportedServiceSpec>>> ByHost(ResourceIndex index, HostNames names)
    {
        var result = new Dictionary<string, List<Typed<ImportedServiceSpec>>>(StringComparer.OrdinalIgnoreCase);
        foreach (var import in index.ImportedServices)
        {
            if (import.Spec.GatewayAddress.Length == 0 || import.Spec.GatewayPort is <= 0 or > 65535)
            {
                continue;
            }

            var fqdn = names.Fqdn(import.Spec.Service, import.Namespace);
            if (!result.TryGetValue(fqdn, out var list))
            {
                result[fqdn] = list = [];
            }

            list.Add(import);
        }

        return result;
    }

    /// <summary>The imports' endpoints for service port <paramref name="port"/> (peers serve the ports they export).</summary>
    public static IEnumerable<EndpointConfig> EndpointsFor(IReadOnlyList<Typed<ImportedServiceSpec>>? imports, int port)
    {
        foreach (var import in imports ?? [])
        {
            if (!import.Spec.Ports.Any(p => p.Port == port))
            {
                continue;
            }

            foreach (var locality in import.Spec.Localities)
            {
                yield return Endpoint(import, locality);
            }
        }
    }

    /// <summary>Adds the imported hosts no local service declares, with the ports their peers export.</summary>
    public static void AddTo(ServiceCatalog catalog, Dictionary<string, List<Typed<ImportedServiceSpec>>> imports)
    {
        foreach (var (fqdn, list) in imports)
        {
            if (catalog.Contains(fqdn))
            {
                continue;
            }

            var ports = list.SelectMany(i => i.Spec.Ports).DistinctBy(p => p.Port)
                .Select(p => new PortModel(p.Port, p.Name, p.Protocol, EndpointsFor(list, p.Port).ToList()))
                .ToList();
            catalog.TryAdd(new ServiceModel { Fqdn = fqdn, Name = list[0].Spec.Service, Namespace = list[0].Namespace, Ports = ports });
        }
    }

    private static EndpointConfig Endpoint(Typed<ImportedServiceSpec> import, ImportedLocality locality)
    {
        var spec = import.Spec;
        var labels = new Dictionary<string, string>(locality.Labels, StringComparer.Ordinal)
        {
            [ClusterLabel] = spec.Peer,
            [LocalityLabels.Network] = spec.Peer,
            ["security.istio.io/tlsMode"] = "istio",
        };
        SetIfAny(labels, LocalityLabels.Region, locality.Region);
        SetIfAny(labels, LocalityLabels.Zone, locality.Zone);
        SetIfAny(labels, LocalityLabels.Subzone, locality.Subzone);
        return new EndpointConfig
        {
            Address = spec.GatewayAddress,
            Port = spec.GatewayPort,
            SidecarPort = spec.GatewayPort,
            Weight = Math.Max(1, locality.Healthy),
            Health = locality.Healthy > 0 && !spec.GatewayUnreachable ? EndpointHealth.Healthy : EndpointHealth.Unhealthy,
            Labels = labels,
            Region = NullIfEmpty(locality.Region),
            Zone = NullIfEmpty(locality.Zone),
            Subzone = NullIfEmpty(locality.Subzone),
            Network = spec.Peer,
            Identity = ServiceCatalog.IdentityOf(spec.TrustDomain, import.Namespace, spec.ServiceAccount),
            Peer = spec.Peer,
        };
    }

    private static void SetIfAny(Dictionary<string, string> labels, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            labels[key] = value;
        }
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
