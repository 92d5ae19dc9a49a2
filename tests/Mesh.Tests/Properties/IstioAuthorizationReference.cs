using Mesh.Contracts.Istio.Security;

namespace Mesh.Tests.Properties;

/// <summary>
/// Istio's documented AuthorizationPolicy semantics, written plainly. A policy applies to a workload in its own
/// namespace (or any namespace when it lives in the root namespace, istio-system) whose labels include its selector's.
/// Order: any matching DENY policy denies; else, with no ALLOW policy, allow; else a matching ALLOW policy allows;
/// else deny. AUDIT policies only record that they matched. A policy matches when any rule matches; no rules matches
/// nothing; a rule matches when some <c>from</c> (if any) and some <c>to</c> (if any) match; a source or operation
/// matches when every field set on it matches: some value of the positive list, none of the negative list. Values are
/// exact, <c>prefix*</c>, <c>*suffix</c> or <c>*</c> (any non-empty value); an attribute the request lacks matches no
/// value. The namespace is the one in the peer principal <c>td/ns/NAMESPACE/sa/ACCOUNT</c>; paths ignore the query.
/// </summary>
internal static class IstioAuthorizationReference
{
    public sealed record Decision(bool Allowed, IReadOnlySet<string> MatchingDeny, IReadOnlySet<string> Audited);

    public static Decision Evaluate(IReadOnlyList<GeneratedPolicy> policies, AuthorizationRequest request)
    {
        var applicable = policies.Where(Applies).ToList();
        var matching = applicable.Where(p => (p.Spec.Rules ?? []).Any(r => RuleMatches(r, request))).ToList();
        var deny = Keys(matching, AuthorizationAction.Deny);
        var audited = Keys(matching, AuthorizationAction.Audit);

        bool allowed;
        if (deny.Count > 0)
        {
            allowed = false;
        }
        else if (!applicable.Any(p => p.Spec.Action == AuthorizationAction.Allow))
        {
            allowed = true;
        }
        else
        {
            allowed = Keys(matching, AuthorizationAction.Allow).Count > 0;
        }

        return new Decision(allowed, deny, audited);
    }

    private static HashSet<string> Keys(IEnumerable<GeneratedPolicy> policies, AuthorizationAction action) =>
        [.. policies.Where(p => p.Spec.Action == action).Select(p => p.Key)];

    private static bool Applies(GeneratedPolicy policy) =>
        (policy.Namespace == AuthorizationCase.WorkloadNamespace || policy.Namespace == "istio-system")
        && (policy.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>())
            .All(l => AuthorizationCase.WorkloadLabels.TryGetValue(l.Key, out var v) && v == l.Value);

    private static bool RuleMatches(AuthorizationRule rule, AuthorizationRequest request)
    {
        var from = rule.From ?? [];
        var to = rule.To ?? [];
        return (from.Count == 0 || from.Any(f => SourceMatches(f.Source!, request)))
            && (to.Count == 0 || to.Any(t => OperationMatches(t.Operation!, request)));
    }

    private static bool SourceMatches(RuleSource source, AuthorizationRequest request)
    {
        var ns = NamespaceOf(request.Principal);
        return Field(source.Principals, source.NotPrincipals, request.Principal)
            && Field(source.Namespaces, source.NotNamespaces, ns);
    }

    private static bool OperationMatches(RuleOperation operation, AuthorizationRequest request)
    {
        var path = request.Path.Split('?')[0];
        return Field(operation.Paths, operation.NotPaths, path)
            && Field(operation.Methods, operation.NotMethods, request.Method)
            && Field(operation.Ports, operation.NotPorts, request.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static bool Field(IReadOnlyList<string>? values, IReadOnlyList<string>? notValues, string? actual) =>
        (values is not { Count: > 0 } || values.Any(v => ValueMatches(v, actual)))
        && (notValues is not { Count: > 0 } || !notValues.Any(v => ValueMatches(v, actual)));

    private static bool ValueMatches(string pattern, string? actual)
    {
        if (actual is null)
        {
            return false;
        }

        if (pattern == "*")
        {
            return actual.Length > 0;
        }

        if (pattern.StartsWith('*'))
        {
            return actual.EndsWith(pattern[1..], StringComparison.Ordinal);
        }

        if (pattern.EndsWith('*'))
        {
            return actual.StartsWith(pattern[..^1], StringComparison.Ordinal);
        }

        return actual == pattern;
    }

    private static string? NamespaceOf(string? principal)
    {
        const string marker = "/ns/";
        var start = principal?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        if (start < 0)
        {
            return null;
        }

        var rest = principal![(start + marker.Length)..];
        var end = rest.IndexOf('/', StringComparison.Ordinal);
        return end < 0 ? null : rest[..end];
    }
}
