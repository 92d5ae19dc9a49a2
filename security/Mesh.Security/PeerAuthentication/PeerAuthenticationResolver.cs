using Mesh.Contracts.Istio.Security;
using Mesh.Security.Authorization;

namespace Mesh.Security.PeerAuthentication;

/// <summary>
/// Resolves the effective mutual TLS mode for a workload port with Istio's precedence: a workload policy (selector
/// matches) over a namespace policy (no selector) over the mesh policy (root namespace, no selector). UNSET inherits
/// from the next level; with nothing set the mode is PERMISSIVE. <c>portLevelMtls</c> only counts on workload policies.
/// When several policies share a level Istio takes the oldest; Mesh takes the first by name, deterministically.
/// </summary>
public static class PeerAuthenticationResolver
{
    public static MtlsMode Resolve(
        IEnumerable<PolicyEntry<PeerAuthenticationSpec>> policies,
        string workloadNamespace,
        IReadOnlyDictionary<string, string>? workloadLabels,
        int port,
        string rootNamespace = AuthorizationEvaluator.DefaultRootNamespace)
    {
        var ordered = policies.OrderBy(p => p.Namespace, StringComparer.Ordinal).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();
        var workload = ordered.FirstOrDefault(p => p.Namespace == workloadNamespace && HasSelector(p.Spec)
            && p.Spec.Selector!.Matches(workloadLabels));
        var ns = ordered.FirstOrDefault(p => p.Namespace == workloadNamespace && !HasSelector(p.Spec));
        var mesh = ordered.FirstOrDefault(p => p.Namespace == rootNamespace && !HasSelector(p.Spec));

        MtlsMode? portMode = workload?.Spec.PortLevelMtls is { } ports && ports.TryGetValue(port, out var portMtls) ? portMtls.Mode : null;
        foreach (var mode in new[] { portMode, workload?.Spec.Mtls?.Mode, ns?.Spec.Mtls?.Mode, mesh?.Spec.Mtls?.Mode })
        {
            if (mode is { } m && m != MtlsMode.Unset)
            {
                return m;
            }
        }

        return MtlsMode.Permissive;
    }

    private static bool HasSelector(PeerAuthenticationSpec spec) => spec.Selector?.MatchLabels is { Count: > 0 };
}
