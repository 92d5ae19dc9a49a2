namespace Mesh.Security.Identity;

/// <summary>Outcome of validating a peer's certificate: its SPIFFE ID when valid, else why it was refused.</summary>
public sealed record PeerValidationResult
{
    private PeerValidationResult(SpiffeId? id, string? reason)
    {
        SpiffeId = id;
        FailureReason = reason;
    }

    public bool IsValid => SpiffeId is not null;

    public SpiffeId? SpiffeId { get; }

    public string? FailureReason { get; }

    internal static PeerValidationResult Valid(SpiffeId id) => new(id, null);

    internal static PeerValidationResult Invalid(string reason) => new(null, reason);

    public override string ToString() => IsValid ? $"Valid({SpiffeId})" : $"Invalid({FailureReason})";
}
