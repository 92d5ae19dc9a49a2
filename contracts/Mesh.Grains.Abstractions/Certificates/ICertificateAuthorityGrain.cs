namespace Mesh.Grains.Certificates;

/// <summary>
/// The cluster's one logical CA (key 0): every change to its credentials (the first root, added, activated and retired
/// roots) goes through this grain's single activation, so two silos never create two roots and rotations never
/// interleave. It carries only sealed credentials: the silo that received a request generates or imports the key and
/// seals it with the key-encryption key before calling, so no private key crosses the silo network in the clear.
/// Signing does not come here: every silo signs with the active root it decrypted into memory, so issuance scales
/// with the silos.
/// </summary>
public interface ICertificateAuthorityGrain : IGrainWithIntegerKey
{
    /// <summary>Stores <paramref name="candidate"/> as the active root unless a root is active already (then: <see cref="CaRootOutcome.Exists"/>).</summary>
    Task<CaRootCommandResult> EnsureActiveRootAsync(SealedCaRoot candidate, CancellationToken cancellationToken = default);

    /// <summary>Adds a pending credential: trusted, not yet signing.</summary>
    Task<CaRootCommandResult> AddRootAsync(SealedCaRoot root, CancellationToken cancellationToken = default);

    Task<CaRootCommandResult> ActivateRootAsync(string thumbprint, CancellationToken cancellationToken = default);

    Task<CaRootCommandResult> RetireRootAsync(string thumbprint, CancellationToken cancellationToken = default);
}

/// <summary>A CA credential as stored: the public chain (signer first, root last) and the key sealed by the KEK.</summary>
[GenerateSerializer]
[Alias("mesh.ca.sealed-root.v1")]
public sealed record SealedCaRoot(
    [property: Id(0)] string Thumbprint,
    [property: Id(1)] string ChainPem,
    [property: Id(2)] string ProtectedKey,
    [property: Id(3)] DateTimeOffset CreatedAt)
{
    public override string ToString() => $"SealedCaRoot({Thumbprint})";
}

[GenerateSerializer]
[Alias("mesh.ca.root-outcome.v1")]
public enum CaRootOutcome
{
    Done,
    Exists,
    NotFound,
    IsActive,
    IsRetired,
    StoreUnavailable,
}

/// <summary>What a credential change did; <see cref="Problem"/> says why when the store was unavailable.</summary>
[GenerateSerializer]
[Alias("mesh.ca.root-command-result.v1")]
public sealed record CaRootCommandResult(
    [property: Id(0)] CaRootOutcome Outcome,
    [property: Id(1)] string? Problem = null);
