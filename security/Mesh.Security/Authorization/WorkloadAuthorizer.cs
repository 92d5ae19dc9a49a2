using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Authorization;

/// <summary>The AuthorizationPolicies selected for one workload. Thread-safe.</summary>
public sealed class WorkloadAuthorizer
{
    private static readonly AuthorizationDecision AllowedNoPolicy = new() { Allowed = true, Reason = "no ALLOW policy applies" };

    private readonly CompiledPolicy[] _deny;
    private readonly CompiledPolicy[] _allow;
    private readonly CompiledPolicy[] _audit;

    internal WorkloadAuthorizer(IReadOnlyList<CompiledPolicy> policies)
    {
        _deny = [.. policies.Where(p => p.Entry.Spec.Action == AuthorizationAction.Deny)];
        _allow = [.. policies.Where(p => p.Entry.Spec.Action == AuthorizationAction.Allow)];
        _audit = [.. policies.Where(p => p.Entry.Spec.Action == AuthorizationAction.Audit)];
    }

    /// <summary>True when at least one ALLOW or DENY policy applies (the sidecar may skip building a context otherwise).</summary>
    public bool HasPolicies => _deny.Length > 0 || _allow.Length > 0;

    public AuthorizationDecision Evaluate(RequestContext request)
    {
        IReadOnlyList<string> audited = _audit.Length == 0 ? [] : [.. _audit.Where(p => p.Matches(request)).Select(p => p.Entry.Key)];
        foreach (var policy in _deny)
        {
            if (policy.Matches(request))
            {
                return new AuthorizationDecision
                {
                    Allowed = false, Policy = policy.Entry.Key, Action = AuthorizationAction.Deny,
                    Reason = $"denied by DENY policy {policy.Entry.Key}", AuditedBy = audited,
                };
            }
        }

        if (_allow.Length == 0)
        {
            return audited.Count == 0 ? AllowedNoPolicy : AllowedNoPolicy with { AuditedBy = audited };
        }

        foreach (var policy in _allow)
        {
            if (policy.Matches(request))
            {
                return new AuthorizationDecision
                {
                    Allowed = true, Policy = policy.Entry.Key, Action = AuthorizationAction.Allow,
                    Reason = $"allowed by ALLOW policy {policy.Entry.Key}", AuditedBy = audited,
                };
            }
        }

        return new AuthorizationDecision { Allowed = false, Reason = "no ALLOW policy matched", AuditedBy = audited };
    }
}
