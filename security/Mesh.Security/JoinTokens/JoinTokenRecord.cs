namespace Mesh.Security.JoinTokens;

/// <summary>
/// What is stored about a join token: never the token itself, only its SHA-256 (lowercase hex) and what it grants.
/// </summary>
public sealed record JoinTokenRecord
{
    public required string TokenHash { get; init; }

    public required string Namespace { get; init; }

    public required string ServiceAccount { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public bool SingleUse { get; init; }

    /// <summary>When a single-use token was consumed; null while unused.</summary>
    public DateTimeOffset? UsedAt { get; init; }
}

/// <summary>A freshly created token. <see cref="Token"/> is shown to the caller once and never stored or logged.</summary>
public sealed record CreatedJoinToken(string Token, JoinTokenRecord Record)
{
    public override string ToString() => $"CreatedJoinToken(redacted, {Record.Namespace}/{Record.ServiceAccount}, expires {Record.ExpiresAt:u})";
}

/// <summary>Result of presenting a join token: the identity it grants, or why it was refused.</summary>
public sealed record JoinTokenValidation(bool IsValid, string? Namespace, string? ServiceAccount, string? FailureReason)
{
    internal static JoinTokenValidation Valid(JoinTokenRecord record) => new(true, record.Namespace, record.ServiceAccount, null);

    internal static JoinTokenValidation Invalid(string reason) => new(false, null, null, reason);
}
