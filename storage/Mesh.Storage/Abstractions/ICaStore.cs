namespace Mesh.Storage.Abstractions;

/// <summary>
/// Durable state of the certificate authority, shared by every silo: CA credentials (private keys only ever in
/// encrypted form), the log of issued certificates and join tokens (hashes only). Root mutations are serialized
/// across silos, and at most one credential is <see cref="CaRootState.Active"/> at any time.
/// </summary>
public interface ICaStore
{
    /// <summary>Every credential, oldest first, including retired ones.</summary>
    Task<IReadOnlyList<CaRootRow>> ListRootsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Inserts a credential. Returns false, writing nothing, when the thumbprint exists or when the row is
    /// <see cref="CaRootState.Active"/> and another active credential exists: that is how concurrently starting
    /// silos agree on one generated root (the losers re-read and use the winner's).
    /// </summary>
    Task<bool> TryAddRootAsync(CaRootRow root, CancellationToken cancellationToken);

    /// <summary>Makes a credential the signer; the previous signer becomes <see cref="CaRootState.Retiring"/> (still trusted).</summary>
    Task<CaRootChange> ActivateRootAsync(string thumbprint, CancellationToken cancellationToken);

    /// <summary>Removes a credential from the trust bundle. The active signer is refused with <see cref="CaRootChange.IsActive"/>.</summary>
    Task<CaRootChange> RetireRootAsync(string thumbprint, CancellationToken cancellationToken);

    Task RecordIssuedAsync(IssuedCertificateRow certificate, CancellationToken cancellationToken);

    /// <summary>Issued certificates, newest first, optionally of one SPIFFE ID.</summary>
    Task<IReadOnlyList<IssuedCertificateRow>> ListIssuedAsync(string? spiffeId, int limit, CancellationToken cancellationToken);

    /// <summary>Stores a join token by hash; throws <see cref="StoreConflictException"/> when the hash exists.</summary>
    Task AddJoinTokenAsync(JoinTokenRow token, CancellationToken cancellationToken);

    Task<JoinTokenRow?> FindJoinTokenAsync(string hash, CancellationToken cancellationToken);

    /// <summary>Atomically consumes a token: true for exactly one caller, false when used already or unknown.</summary>
    Task<bool> TryMarkJoinTokenUsedAsync(string hash, DateTimeOffset usedAt, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes join tokens that expired before <paramref name="tokensExpiredBefore"/> and issued-certificate records
    /// that expired before <paramref name="certificatesExpiredBefore"/>; returns how many rows went. Idempotent, so
    /// every silo may run it.
    /// </summary>
    Task<int> PruneAsync(DateTimeOffset tokensExpiredBefore, DateTimeOffset certificatesExpiredBefore, CancellationToken cancellationToken);
}

/// <summary>
/// Lifecycle of a CA credential. Pending, active and retiring roots are all in the trust bundle; only the active
/// one signs. Retired roots are kept for the record but trusted no more.
/// </summary>
public enum CaRootState
{
    Pending,
    Active,
    Retiring,
    Retired,
}

/// <summary>Outcome of a root state change.</summary>
public enum CaRootChange
{
    Done,
    NotFound,
    IsActive,
    IsRetired,
}

/// <summary>
/// A stored CA credential: the certificate chain (signer first, root last; public), the private key sealed by the
/// silo's key-encryption key, and its state.
/// </summary>
public sealed record CaRootRow(string Thumbprint, string ChainPem, string ProtectedKey, CaRootState State, DateTimeOffset CreatedAt)
{
    public override string ToString() => $"CaRootRow({Thumbprint}, {State})";
}

/// <summary>One entry of the issued-certificate log.</summary>
public sealed record IssuedCertificateRow(
    string SerialNumber, string SpiffeId, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string IssuerThumbprint, DateTimeOffset IssuedAt);

/// <summary>A stored join token: its SHA-256 hash, never the token.</summary>
public sealed record JoinTokenRow(
    string Hash, string Namespace, string ServiceAccount, DateTimeOffset ExpiresAt, bool SingleUse, DateTimeOffset? UsedAt, DateTimeOffset CreatedAt);
