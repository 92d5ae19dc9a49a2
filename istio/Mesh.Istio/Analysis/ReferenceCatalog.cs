using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Routing.Compilation;

namespace Mesh.Istio.Analysis;

/// <summary>What references can point at: hosts (with their ports), DestinationRule subsets, gateways and workloads.</summary>
internal sealed class ReferenceCatalog
{
    private readonly HostNames _names;
    private readonly Dictionary<string, List<int>> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Pattern, List<int> Ports)> _wildcardHosts = [];
    private readonly Dictionary<string, HashSet<string>> _subsets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<IReadOnlyDictionary<string, string>>> _workloads = new(StringComparer.OrdinalIgnoreCase);

    private ReferenceCatalog(HostNames names) => _names = names;

    public HashSet<string> Gateways { get; } = new(StringComparer.Ordinal);

    /// <summary>Registry endpoints (the mesh's pods): namespace, name and labels.</summary>
    public List<(string Namespace, string Name, IReadOnlyDictionary<string, string> Labels)> Workloads { get; } = [];

    public static ReferenceCatalog Build(IReadOnlyList<MeshResource> resources, HostNames names)
    {
        var catalog = new ReferenceCatalog(names);
        foreach (var service in resources.Where(r => r.Kind == ResourceKinds.Service))
        {
            var ports = MeshJson.FromElement<ServiceSpec>(service.Spec)?.Ports.Select(p => p.Port).ToList() ?? [];
            catalog._hosts[names.Fqdn(service.Metadata.Name, service.Key.Namespace)] = ports;
        }

        foreach (var entry in resources.Where(r => r.Kind == ResourceKinds.ServiceEntry))
        {
            var spec = MeshJson.FromElement<ServiceEntrySpec>(entry.Spec);
            var ports = (spec?.Ports ?? []).Select(p => p.Number ?? 0).ToList();
            foreach (var host in spec?.Hosts ?? [])
            {
                var resolved = catalog.Resolve(host, entry.Key.Namespace);
                if (resolved.StartsWith('*'))
                {
                    catalog._wildcardHosts.Add((resolved, ports));
                }
                else
                {
                    catalog._hosts[resolved] = [.. catalog._hosts.GetValueOrDefault(resolved) ?? [], .. ports];
                }
            }
        }

        foreach (var resource in resources)
        {
            catalog.Add(resource);
        }

        return catalog;
    }

    private void Add(MeshResource resource)
    {
        switch (resource.Kind)
        {
            case ResourceKinds.Gateway:
                Gateways.Add($"{resource.Key.Namespace}/{resource.Metadata.Name}");
                break;
            case ResourceKinds.DestinationRule when MeshJson.FromElement<DestinationRuleSpec>(resource.Spec) is { Host: { } host } rule:
                var fqdn = Resolve(host, resource.Key.Namespace);
                if (!_subsets.TryGetValue(fqdn, out var names))
                {
                    _subsets[fqdn] = names = new HashSet<string>(StringComparer.Ordinal);
                }

                names.UnionWith((rule.Subsets ?? []).Select(s => s.Name ?? ""));
                break;
            case ResourceKinds.Endpoint when MeshJson.FromElement<EndpointSpec>(resource.Spec) is { } endpoint:
                var labels = resource.Metadata.Labels ?? new Dictionary<string, string>();
                Workloads.Add((resource.Key.Namespace, resource.Metadata.Name, labels));
                var service = _names.Fqdn(endpoint.Service, resource.Key.Namespace);
                if (!_workloads.TryGetValue(service, out var list))
                {
                    _workloads[service] = list = [];
                }

                list.Add(labels);
                break;
            default:
                break;
        }
    }

    public string Resolve(string host, string ns) => _names.Resolve(host, ns, _hosts.ContainsKey);

    public bool IsKnownHost(string fqdn) => _hosts.ContainsKey(fqdn) || _wildcardHosts.Any(w => HostNames.Matches(w.Pattern, fqdn));

    /// <summary>The ports a known host exposes (empty when unknown).</summary>
    public IReadOnlyList<int> Ports(string fqdn) =>
        _hosts.TryGetValue(fqdn, out var ports) ? ports : _wildcardHosts.FirstOrDefault(w => HostNames.Matches(w.Pattern, fqdn)).Ports ?? [];

    /// <summary>The labels of a registry Service's endpoints (the workloads its DestinationRule subsets select from).</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> WorkloadsOf(string fqdn) => _workloads.GetValueOrDefault(fqdn) ?? [];

    public bool HasRule(string fqdn) => _subsets.ContainsKey(fqdn);

    public bool HasSubset(string fqdn, string subset) => _subsets.TryGetValue(fqdn, out var names) && names.Contains(subset);
}
