using Mesh.Contracts.Registry;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>One port of a service host with the endpoints that serve it.</summary>
internal sealed record PortModel(int Number, string Name, string Protocol, IReadOnlyList<EndpointConfig> Endpoints);

/// <summary>A routable host: a registry Service or a ServiceEntry host.</summary>
internal sealed class ServiceModel
{
    public required string Fqdn { get; init; }
    public required string Name { get; init; }
    public required string Namespace { get; init; }
    public bool External { get; init; }
    public bool FromServiceEntry { get; init; }

    /// <summary>An InferencePool: its endpoints are picked by the inference endpoint picker unless a DestinationRule says otherwise.</summary>
    public bool InferencePool { get; init; }
    public required IReadOnlyList<PortModel> Ports { get; init; }

    public PortModel? FindPort(int number)
    {
        foreach (var port in Ports)
        {
            if (port.Number == number)
            {
                return port;
            }
        }

        return null;
    }
}

/// <summary>All routable hosts by FQDN. Registry services win over ServiceEntries declaring the same host.</summary>
internal sealed class ServiceCatalog
{
    private readonly Dictionary<string, ServiceModel> _byHost = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<ServiceModel> _all = [];

    public IReadOnlyList<ServiceModel> All => _all;

    public bool Contains(string fqdn) => _byHost.ContainsKey(fqdn);

    public ServiceModel? Find(string fqdn) => _byHost.GetValueOrDefault(fqdn);

    public bool TryAdd(ServiceModel service)
    {
        if (!_byHost.TryAdd(service.Fqdn, service))
        {
            return false;
        }

        _all.Add(service);
        return true;
    }

    public static ServiceCatalog Build(ResourceIndex index, HostNames names, ProxyCompilerOptions options, List<string> warnings)
    {
        var catalog = new ServiceCatalog();
        var endpointsByService = GroupEndpoints(index, names);
        var imports = ImportedServiceCatalog.ByHost(index, names);
        foreach (var service in index.Services)
        {
            var fqdn = names.Fqdn(service.Name, service.Namespace);
            var endpoints = endpointsByService.GetValueOrDefault(fqdn) ?? [];
            var identity = IdentityOf(options, service.Namespace, service.Spec.ServiceAccount);
            var ports = new List<PortModel>(service.Spec.Ports.Count);
            foreach (var port in service.Spec.Ports)
            {
                var local = EndpointsForPort(service.Spec, port, endpoints, identity);
                local.AddRange(ImportedServiceCatalog.EndpointsFor(imports.GetValueOrDefault(fqdn), port.Port));
                ports.Add(new PortModel(port.Port, port.Name, port.Protocol, local));
            }

            catalog.TryAdd(new ServiceModel { Fqdn = fqdn, Name = service.Name, Namespace = service.Namespace, Ports = ports });
        }

        ServiceEntryCatalog.AddTo(catalog, index, names, options, warnings);
        InferencePoolCatalog.AddTo(catalog, index, names, options, warnings);
        ImportedServiceCatalog.AddTo(catalog, imports);
        return catalog;
    }

    private static Dictionary<string, List<Typed<EndpointSpec>>> GroupEndpoints(ResourceIndex index, HostNames names)
    {
        var result = new Dictionary<string, List<Typed<EndpointSpec>>>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in index.Endpoints)
        {
            // Endpoints name their service in their own namespace; a dotted name is taken as written (name.ns).
            var fqdn = names.Resolve(endpoint.Spec.Service, endpoint.Namespace, static _ => true);
            if (!result.TryGetValue(fqdn, out var list))
            {
                result[fqdn] = list = [];
            }

            list.Add(endpoint);
        }

        return result;
    }

    /// <summary>
    /// A port with a targetPort takes the endpoints registered on that port. Without one, a single-port service takes
    /// every endpoint (workloads on plain machines listen wherever they were started), and a multi-port service takes
    /// the endpoints registered on the service port itself and every endpoint behind a sidecar: callers reach those on
    /// the sidecar's port, and the sidecar hands each request to the workload port the caller named (its Sidecar
    /// ingress listeners), as an Istio pod serves every port of its Service.
    /// </summary>
    private static List<EndpointConfig> EndpointsForPort(ServiceSpec spec, ServicePort port, List<Typed<EndpointSpec>> endpoints, string identity)
    {
        var result = new List<EndpointConfig>(endpoints.Count);
        foreach (var typed in endpoints)
        {
            var endpoint = typed.Spec;
            var belongs = port.TargetPort is { } target
                ? endpoint.Port == target
                : spec.Ports.Count == 1 || endpoint.Port == port.Port || endpoint.SidecarPort is not null;
            if (!belongs)
            {
                continue;
            }

            result.Add(RegistryEndpoint(typed, identity));
        }

        return result;
    }

    /// <summary>The SPIFFE identity of a workload running as <paramref name="account"/> (Istio's default account when none).</summary>
    internal static string IdentityOf(ProxyCompilerOptions options, string ns, string? account) => IdentityOf(options.TrustDomain, ns, account);

    /// <summary>The same in another trust domain (a peer cluster's).</summary>
    internal static string IdentityOf(string trustDomain, string ns, string? account) =>
        $"spiffe://{trustDomain}/ns/{ns}/sa/{account ?? "default"}";

    /// <summary>A registry endpoint as a cluster member: its labels give the locality, the service account its identity.</summary>
    internal static EndpointConfig RegistryEndpoint(Typed<EndpointSpec> typed, string identity)
    {
        var endpoint = typed.Spec;
        var labels = typed.Resource.Metadata.Labels ?? Labels.Empty;
        return new EndpointConfig
        {
            Address = endpoint.Address,
            Port = endpoint.Port,
            Weight = Math.Max(0, endpoint.Weight),
            Health = endpoint.Health,
            Labels = labels,
            Region = Labels.Region(labels),
            Zone = Labels.Zone(labels),
            Subzone = Labels.Subzone(labels),
            Network = Labels.Network(labels),
            SidecarPort = endpoint.SidecarPort,
            Identity = identity,
            RegistryNamespace = typed.Resource.Key.Namespace,
            RegistryName = typed.Resource.Metadata.Name,
        };
    }
}
