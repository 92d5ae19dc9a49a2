using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Protocol;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>State of one compilation: the indexed input, the node, and the clusters and warnings produced so far.</summary>
internal sealed class CompilationContext
{
    public const string MeshGateway = "mesh";

    private readonly HostIndex<Typed<DestinationRuleSpec>> _rules = new();

    public CompilationContext(ResourceIndex index, NodeInfo node, ProxyCompilerOptions options, List<string> warnings)
    {
        Index = index;
        Node = node;
        NodeLabels = node.Labels ?? Labels.Empty;
        Options = options;
        Warnings = warnings;
        Names = new HostNames(options.ClusterDomain);
        Catalog = ServiceCatalog.Build(index, Names, options, warnings);
        foreach (var rule in index.DestinationRules)
        {
            if (!string.IsNullOrWhiteSpace(rule.Spec.Host))
            {
                _rules.Add(Resolve(rule.Spec.Host, rule.Namespace), rule);
            }
        }

        Clusters = new Dictionary<string, ClusterConfig>(Catalog.All.Count * 2, StringComparer.Ordinal);
        ClusterBuilder = new ClusterBuilder(this);
    }

    public ResourceIndex Index { get; }
    public NodeInfo Node { get; }
    public IReadOnlyDictionary<string, string> NodeLabels { get; }
    public ProxyCompilerOptions Options { get; }
    public List<string> Warnings { get; }
    public HostNames Names { get; }
    public ServiceCatalog Catalog { get; }
    public Dictionary<string, ClusterConfig> Clusters { get; }
    public ClusterBuilder ClusterBuilder { get; }

    public string Resolve(string host, string ns) => Names.Resolve(host, ns, Catalog.Contains);

    /// <summary>
    /// Istio's lookup order for a host's DestinationRule: the client's namespace, then the service's namespace, then
    /// the root namespace; among equals the oldest rule wins.
    /// </summary>
    public Typed<DestinationRuleSpec>? DestinationRuleFor(string fqdn, string serviceNamespace)
    {
        var candidates = _rules.Find(fqdn);
        if (candidates.Count == 0)
        {
            return null;
        }

        return candidates.FirstOrDefault(r => r.Namespace == Node.Namespace)
            ?? candidates.FirstOrDefault(r => r.Namespace == serviceNamespace)
            ?? candidates.FirstOrDefault(r => r.Namespace == Options.RootNamespace)
            ?? candidates[0];
    }
}
