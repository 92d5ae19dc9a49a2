using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Authorization;

/// <summary>An AuthorizationPolicy as stored: its name, its namespace and its spec.</summary>
public sealed record AuthorizationPolicyEntry(string Namespace, string Name, AuthorizationPolicySpec Spec)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>An AuthorizationPolicy spec is invalid. The message names each offending field; map it to 400.</summary>
public sealed class AuthorizationPolicyException : Exception
{
    public AuthorizationPolicyException(string policy, IReadOnlyList<string> errors)
        : base($"AuthorizationPolicy {policy} is invalid: {string.Join("; ", errors)}") => Errors = errors;

    public IReadOnlyList<string> Errors { get; }
}
