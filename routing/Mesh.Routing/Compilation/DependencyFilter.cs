using Mesh.Contracts.Istio.Networking;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Sidecar scoping (Istio Sidecar egress hosts): entries are <c>namespace/host</c>, where namespace may be <c>*</c>
/// (any) or <c>.</c> (the node's), and host may be <c>*</c>, <c>*.suffix</c>, a short name or a full name. The node's
/// declared dependencies win; otherwise the Sidecar resource that selects the node (workload selector first, then
/// the namespace default, then the root namespace default); otherwise everything is visible.
/// </summary>
internal sealed class DependencyFilter
{
    private readonly List<(string Namespace, string Host)>? _entries;
    private readonly string _nodeNamespace;

    private DependencyFilter(IReadOnlyList<string>? hosts, string nodeNamespace)
    {
        _nodeNamespace = nodeNamespace;
        if (hosts is null)
        {
            return;
        }

        _entries = [];
        foreach (var entry in hosts)
        {
            var slash = entry.IndexOf('/', StringComparison.Ordinal);
            var ns = slash < 0 ? "*" : entry[..slash];
            var host = (slash < 0 ? entry : entry[(slash + 1)..]).ToLowerInvariant();
            _entries.Add((ns == "." ? nodeNamespace : ns, host));
        }
    }

    public bool IsScoped => _entries is not null;

    public static DependencyFilter For(CompilationContext context)
    {
        if (context.Node.Dependencies is { } declared)
        {
            return new DependencyFilter(declared, context.Node.Namespace);
        }

        var sidecar = SelectSidecar(context);
        var hosts = sidecar?.Spec.Egress?.SelectMany(e => e.Hosts ?? []).ToList();
        return new DependencyFilter(hosts, context.Node.Namespace);
    }

    /// <summary>A filter over given <c>namespace/host</c> entries, e.g. one egress listener's hosts.</summary>
    public static DependencyFilter ForHosts(IReadOnlyList<string> hosts, string nodeNamespace) => new(hosts, nodeNamespace);

    /// <summary><paramref name="ns"/> is null for hosts outside any namespace; only a <c>*</c> namespace admits them.</summary>
    public bool Allows(string fqdn, string? ns)
    {
        if (_entries is null)
        {
            return true;
        }

        foreach (var (entryNamespace, host) in _entries)
        {
            if (entryNamespace != "*" && entryNamespace != ns)
            {
                continue;
            }

            if (host == "*" || HostNames.Matches(host, fqdn) ||
                (!host.Contains('.', StringComparison.Ordinal) && fqdn.StartsWith(host + ".", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }

        return false;
    }

    public static Typed<SidecarSpec>? SelectSidecar(CompilationContext context)
    {
        Typed<SidecarSpec>? namespaceDefault = null;
        Typed<SidecarSpec>? rootDefault = null;
        foreach (var sidecar in context.Index.Sidecars)
        {
            var selector = sidecar.Spec.WorkloadSelector?.Labels;
            if (sidecar.Namespace == context.Node.Namespace)
            {
                if (selector is { Count: > 0 })
                {
                    if (Labels.IsSubset(selector, context.NodeLabels))
                    {
                        return sidecar;
                    }
                }
                else
                {
                    namespaceDefault ??= sidecar;
                }
            }
            else if (sidecar.Namespace == context.Options.RootNamespace && selector is not { Count: > 0 })
            {
                rootDefault ??= sidecar;
            }
        }

        return namespaceDefault ?? rootDefault;
    }
}
