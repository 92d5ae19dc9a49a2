using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// istioctl's destinationrule analyzers: the host must be a service of the mesh (IST0174); each subset should select
/// some endpoint of a registry service that has endpoints (IST0173); SIMPLE/MUTUAL TLS without caCertificates does
/// not verify the server (IST0128 for the rule, IST0129 per port).
/// </summary>
internal sealed class DestinationRuleAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        foreach (var (resource, spec) in context.Of<DestinationRuleSpec>(ResourceKinds.DestinationRule))
        {
            var fqdn = context.Catalog.Resolve(spec.Host!, resource.Key.Namespace);
            if (!context.Catalog.IsKnownHost(fqdn))
            {
                context.Report(resource, IstioMessage.UnknownDestinationRuleHost, "spec.host", spec.Host!);
            }
            else
            {
                Subsets(context, resource, spec, fqdn);
            }

            CaCertificates(context, resource, spec);
        }
    }

    private static void Subsets(AnalysisContext context, MeshResource resource, DestinationRuleSpec spec, string fqdn)
    {
        var workloads = context.Catalog.WorkloadsOf(fqdn);
        if (workloads.Count == 0)
        {
            return;
        }

        var subsets = spec.Subsets ?? [];
        for (var i = 0; i < subsets.Count; i++)
        {
            var labels = subsets[i].Labels ?? new Dictionary<string, string>();
            if (!workloads.Any(w => labels.All(l => w.TryGetValue(l.Key, out var value) && value == l.Value)))
            {
                context.Report(resource, IstioMessage.DestinationRuleSubsetNotSelectPods, $"spec.subsets[{i}]", subsets[i].Name ?? "");
            }
        }
    }

    private static void CaCertificates(AnalysisContext context, MeshResource resource, DestinationRuleSpec spec)
    {
        var extras = context.Spec<DestinationRuleExtras>(resource);
        var scoped = extras?.WorkloadSelector is not null;
        var name = AnalysisContext.FullName(resource);
        if (Unverified(extras?.TrafficPolicy?.Tls, scoped) is { } mode)
        {
            context.Report(resource, IstioMessage.NoServerCertificateVerificationDestinationLevel, "spec.trafficPolicy.tls", name, resource.Key.Namespace, mode, spec.Host!);
        }

        var ports = extras?.TrafficPolicy?.PortLevelSettings ?? [];
        for (var i = 0; i < ports.Count; i++)
        {
            if (Unverified(ports[i].Tls, scoped) is { } portMode)
            {
                context.Report(resource, IstioMessage.NoServerCertificateVerificationPortLevel, $"spec.trafficPolicy.portLevelSettings[{i}].tls",
                    name, resource.Key.Namespace, portMode, spec.Host!, $"number:{ports[i].Port?.Number ?? 0}");
            }
        }
    }

    /// <summary>The mode, when it is SIMPLE or MUTUAL with nothing to verify the server with.</summary>
    private static string? Unverified(ClientTlsExtras? tls, bool scoped) =>
        tls?.Mode is "SIMPLE" or "MUTUAL" && string.IsNullOrEmpty(tls.CaCertificates) && !(scoped && !string.IsNullOrEmpty(tls.CredentialName))
            ? tls.Mode
            : null;
}
