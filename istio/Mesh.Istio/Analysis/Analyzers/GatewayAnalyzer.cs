using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// istioctl's gateway analyzers: gateways with the same workload selector and port that claim the same host
/// (IST0145 ConflictingGateways), and gateways on overlapping workloads serving the same certificate (IST0138).
/// Each gateway involved gets the message.
/// </summary>
internal sealed class GatewayAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        var gateways = context.Of<GatewaySpec>(ResourceKinds.Gateway).ToList();
        foreach (var (resource, spec) in gateways)
        {
            Conflicts(context, resource, spec, gateways);
            Certificates(context, resource, spec, gateways);
        }
    }

    /// <summary>Kubernetes' label selector text: keys sorted, "k=v" joined with commas.</summary>
    private static string Selector(GatewaySpec spec) =>
        string.Join(",", (spec.Selector ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static void Conflicts(AnalysisContext context, MeshResource resource, GatewaySpec spec, List<(MeshResource Resource, GatewaySpec Spec)> gateways)
    {
        var selector = Selector(spec);
        var servers = spec.Servers ?? [];
        for (var i = 0; i < servers.Count; i++)
        {
            var server = servers[i];
            var hosts = server.Hosts ?? [];
            var others = gateways.Where(g => g.Resource.Key != resource.Key && Selector(g.Spec) == selector &&
                (g.Spec.Servers ?? []).Any(s => s.Port?.Number == server.Port?.Number && (s.Hosts ?? []).Intersect(hosts, StringComparer.OrdinalIgnoreCase).Any()))
                .Select(g => g.Resource).ToList();
            if (others.Count > 0)
            {
                context.ReportAll([resource, .. others], [resource], IstioMessage.ConflictingGateways, $"spec.servers[{i}]",
                    string.Join(",", others.Select(AnalysisContext.FullName).Order(StringComparer.Ordinal)), selector, server.Port?.Number ?? 0, string.Join(",", hosts));
            }
        }
    }

    private static void Certificates(AnalysisContext context, MeshResource resource, GatewaySpec spec, List<(MeshResource Resource, GatewaySpec Spec)> gateways)
    {
        var selector = spec.Selector ?? new Dictionary<string, string>();
        foreach (var (other, otherSpec) in gateways)
        {
            if (other.Key == resource.Key || !selector.All(l => otherSpec.Selector?.TryGetValue(l.Key, out var value) == true && value == l.Value))
            {
                continue;
            }

            var same = (spec.Servers ?? []).Any(a => (otherSpec.Servers ?? []).Any(b => a.Tls is not null && b.Tls is not null && SameCertificate(a.Tls, b.Tls)));
            if (same)
            {
                context.ReportAll([resource, other], [resource], IstioMessage.GatewayDuplicateCertificate, "spec.servers",
                    IstioMessage.GoList([AnalysisContext.FullName(resource), AnalysisContext.FullName(other)]));
            }
        }
    }

    private static bool SameCertificate(ServerTlsSettings a, ServerTlsSettings b)
    {
        if (!string.IsNullOrEmpty(a.CredentialName) || !string.IsNullOrEmpty(b.CredentialName))
        {
            return !string.IsNullOrEmpty(a.CredentialName) && a.CredentialName == b.CredentialName;
        }

        return !string.IsNullOrEmpty(a.ServerCertificate) && a.ServerCertificate == b.ServerCertificate &&
            !string.IsNullOrEmpty(a.PrivateKey) && a.PrivateKey == b.PrivateKey;
    }
}
