using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Routing.Compilation;

namespace Mesh.Istio.Analysis;

/// <summary>What references can point at: hosts, DestinationRule subsets, gateways, and who routes each host.</summary>
internal sealed class ReferenceCatalog
{
    private readonly HostNames _names;
    private readonly HashSet<string> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _wildcardHosts = [];
    private readonly Dictionary<string, HashSet<string>> _subsets = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, List<ResourceKey>> _meshVirtualServices = new(StringComparer.OrdinalIgnoreCase);

    private ReferenceCatalog(HostNames names) => _names = names;

    public HashSet<string> Gateways { get; } = new(StringComparer.Ordinal);

    public static ReferenceCatalog Build(List<MeshResource> resources, HostNames names)
    {
        var catalog = new ReferenceCatalog(names);
        foreach (var service in resources.Where(r => r.Kind == ResourceKinds.Service))
        {
            catalog._hosts.Add(names.Fqdn(service.Metadata.Name, service.Key.Namespace));
        }

        foreach (var entry in resources.Where(r => r.Kind == ResourceKinds.ServiceEntry))
        {
            foreach (var host in MeshJson.FromElement<ServiceEntrySpec>(entry.Spec)?.Hosts ?? [])
            {
                var resolved = catalog.Resolve(host, entry.Key.Namespace);
                (resolved.StartsWith('*') ? (ICollection<string>)catalog._wildcardHosts : catalog._hosts).Add(resolved);
            }
        }

        foreach (var resource in resources.OrderBy(r => r.Version))
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
            case ResourceKinds.VirtualService when MeshJson.FromElement<VirtualServiceSpec>(resource.Spec) is { } vs:
                if (vs.Gateways is { Count: > 0 } gateways && !gateways.Contains("mesh"))
                {
                    break;
                }

                foreach (var host in vs.Hosts ?? [])
                {
                    var key = Resolve(host, resource.Key.Namespace);
                    if (!_meshVirtualServices.TryGetValue(key, out var list))
                    {
                        _meshVirtualServices[key] = list = [];
                    }

                    list.Add(resource.Key);
                }

                break;
            default:
                break;
        }
    }

    public string Resolve(string host, string ns) => _names.Resolve(host, ns, _hosts.Contains);

    public bool IsKnownHost(string fqdn) => _hosts.Contains(fqdn) || _wildcardHosts.Any(w => HostNames.Matches(w, fqdn));

    public bool HasRule(string fqdn) => _subsets.ContainsKey(fqdn);

    public bool HasSubset(string fqdn, string subset) => _subsets.TryGetValue(fqdn, out var names) && names.Contains(subset);

    public IReadOnlyList<ResourceKey> MeshVirtualServices(string fqdn) => _meshVirtualServices.GetValueOrDefault(fqdn) ?? [];
}
