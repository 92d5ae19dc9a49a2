using Mesh.Contracts.Istio.Security;

namespace Mesh.Security;

/// <summary>An Istio security resource as stored: its namespace, name and typed spec.</summary>
public sealed record PolicyEntry<TSpec>(string Namespace, string Name, TSpec Spec)
{
    public string Key => $"{Namespace}/{Name}";

    /// <summary>
    /// Istio's scoping: a resource applies to workloads of its own namespace, or of every namespace when it lives in
    /// the root namespace; a selector further narrows it to workloads carrying its labels.
    /// </summary>
    internal bool AppliesTo(WorkloadSelector? selector, string workloadNamespace, IReadOnlyDictionary<string, string>? labels, string rootNamespace) =>
        (Namespace == workloadNamespace || Namespace == rootNamespace) && (selector?.Matches(labels) ?? true);
}

/// <summary>
/// An AuthorizationPolicy or RequestAuthentication spec is invalid. The message names the resource and each
/// offending field (e.g. <c>rules[0].from[0].source.ipBlocks[1]</c>); map it to 400.
/// </summary>
public sealed class PolicyValidationException : Exception
{
    public PolicyValidationException(string kind, string policy, IReadOnlyList<string> errors)
        : base($"{kind} {policy} is invalid: {string.Join("; ", errors)}") => Errors = errors;

    public IReadOnlyList<string> Errors { get; }
}
