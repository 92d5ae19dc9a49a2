using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Authorization;

/// <summary>Result of authorizing a request, naming the policy that decided it.</summary>
public sealed record AuthorizationDecision
{
    /// <summary>Body Istio's proxy returns with 403 when a request is denied.</summary>
    public const string DeniedBody = "RBAC: access denied";

    public bool Allowed { get; init; }

    /// <summary><c>namespace/name</c> of the deciding policy; null when allowed because no ALLOW policy applies, or denied by "no ALLOW matched".</summary>
    public string? Policy { get; init; }

    /// <summary>The action of <see cref="Policy"/>, when there is one.</summary>
    public AuthorizationAction? Action { get; init; }

    /// <summary>Human-readable reason, for logs and debugging (never contains secrets).</summary>
    public string Reason { get; init; } = "";

    /// <summary><c>namespace/name</c> of AUDIT policies that matched (they never change the decision).</summary>
    public IReadOnlyList<string> AuditedBy { get; init; } = [];
}
