using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Authorization;

/// <summary>
/// Evaluates AuthorizationPolicies with Istio's semantics. CUSTOM policies are skipped; any matching DENY policy denies;
/// then, if any ALLOW policy applies to the workload, the request must match one of them; otherwise it is allowed.
/// AUDIT policies are reported but never change the decision. Policies in the root namespace apply mesh-wide.
/// Build once per configuration change; evaluation is allocation-light and thread-safe.
/// </summary>
public sealed class AuthorizationEvaluator
{
    private readonly IReadOnlyList<CompiledPolicy> _policies;
    private readonly string _rootNamespace;

    private AuthorizationEvaluator(IReadOnlyList<CompiledPolicy> policies, string rootNamespace)
    {
        _policies = policies;
        _rootNamespace = rootNamespace;
    }

    /// <summary>Istio's default mesh root namespace.</summary>
    public const string DefaultRootNamespace = "istio-system";

    /// <summary>Compiles policies. Throws <see cref="PolicyValidationException"/> naming the first invalid policy and its fields.</summary>
    public static AuthorizationEvaluator Create(IEnumerable<PolicyEntry<AuthorizationPolicySpec>> policies, string rootNamespace = DefaultRootNamespace)
    {
        var compiled = new List<CompiledPolicy>();
        foreach (var entry in policies)
        {
            var errors = new List<string>();
            var policy = PolicyCompiler.Compile(entry, errors);
            if (errors.Count > 0)
            {
                throw new PolicyValidationException("AuthorizationPolicy", entry.Key, errors);
            }

            compiled.Add(policy);
        }

        return new AuthorizationEvaluator(compiled, rootNamespace);
    }

    /// <summary>Validates one spec the way <see cref="Create"/> would; an empty list means valid. For 400 responses at write time.</summary>
    public static IReadOnlyList<string> Validate(AuthorizationPolicySpec spec)
    {
        var errors = new List<string>();
        PolicyCompiler.Compile(new PolicyEntry<AuthorizationPolicySpec>("validate", "validate", spec), errors);
        return errors;
    }

    /// <summary>The policies that apply to one workload, pre-selected so the sidecar pays selection once.</summary>
    public WorkloadAuthorizer ForWorkload(string workloadNamespace, IReadOnlyDictionary<string, string>? workloadLabels)
    {
        var applicable = _policies
            .Where(p => p.Entry.Spec.Action != AuthorizationAction.Custom)
            .Where(p => p.Entry.AppliesTo(p.Entry.Spec.Selector, workloadNamespace, workloadLabels, _rootNamespace))
            .ToList();
        return new WorkloadAuthorizer(applicable);
    }

    /// <summary>Authorizes one request to a workload (selects policies on every call; prefer <see cref="ForWorkload"/>).</summary>
    public AuthorizationDecision Evaluate(string workloadNamespace, IReadOnlyDictionary<string, string>? workloadLabels, RequestContext request) =>
        ForWorkload(workloadNamespace, workloadLabels).Evaluate(request);
}
