using Mesh.Contracts.Resources;
using Mesh.Istio.Analysis.Analyzers;
using Mesh.Istio.Validation;
using Mesh.Routing.Compilation;

namespace Mesh.Istio.Analysis;

/// <summary>
/// <c>istioctl analyze</c> for the Istio kinds: every resource is validated (IST0106 errors, MESH101/MESH102
/// warnings), then istioctl's analyzers run over the valid ones together with the resources that already exist (the
/// registry and stored config), with istioctl's codes, levels and messages.
/// </summary>
public static class ConfigAnalyzer
{
    private static readonly IConfigAnalyzer[] Analyzers =
    [
        new VirtualServiceGatewayAnalyzer(),
        new DestinationHostAnalyzer(),
        new ConflictingMeshGatewayHostsAnalyzer(),
        new UnreachableRulesAnalyzer(),
        new DestinationRuleAnalyzer(),
        new GatewayAnalyzer(),
        new SidecarAnalyzer(),
        new ServiceEntryAnalyzer(),
    ];

    /// <summary>
    /// Analyzes <paramref name="resources"/> (the ones being applied). <paramref name="existing"/> are resources already
    /// stored; one with the same kind/namespace/name as an applied resource is replaced by it. Findings are reported on
    /// the analyzed resources, and on existing ones only when they are involved with an analyzed one.
    /// </summary>
    public static IReadOnlyList<ValidationMessage> Analyze(IReadOnlyCollection<MeshResource> resources, IReadOnlyCollection<MeshResource>? existing = null, ProxyCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var messages = new List<ValidationMessage>();
        var valid = new List<MeshResource>();
        // The CA publishes the TrustBundle itself: nobody applies it, so it is not analyzed like user configuration.
        foreach (var resource in resources.Where(r => r.Kind != ResourceKinds.TrustBundle))
        {
            var findings = ResourceValidator.Validate(resource);
            messages.AddRange(findings.Select(f => f with { Message = $"{AnalysisContext.Display(resource)}: {f.Message}", Resource = AnalysisContext.Display(resource) }));
            if (!findings.Any(f => f.Severity == ValidationSeverity.Error))
            {
                valid.Add(resource);
            }
        }

        var applied = valid.Select(r => r.Key).ToHashSet();
        var all = (existing ?? [])
            .Where(r => !applied.Contains(r.Key) && !ResourceValidator.Validate(r, strict: false).Any(m => m.Severity == ValidationSeverity.Error))
            .Concat(valid)
            .OrderBy(r => r.Version)
            .ToList();
        var catalog = ReferenceCatalog.Build(all, new HostNames((options ?? new ProxyCompilerOptions()).ClusterDomain));
        var context = new AnalysisContext(all, applied, catalog);
        foreach (var analyzer in Analyzers)
        {
            analyzer.Analyze(context);
        }

        messages.AddRange(context.Messages);
        return messages;
    }
}
