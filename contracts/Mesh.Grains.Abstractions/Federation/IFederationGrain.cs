namespace Mesh.Grains.Federation;

/// <summary>
/// The cluster's peerings and outstanding peering tokens (key 0). One activation serializes every change, so a token
/// is redeemed at most once and a peering name is taken once. Persisted in the <c>mesh</c> grain storage.
/// </summary>
public interface IFederationGrain : IGrainWithIntegerKey
{
    Task AddTokenAsync(PeeringTokenRecord token, CancellationToken cancellationToken = default);

    /// <summary>Checks and spends a token, storing <paramref name="peering"/> (named by the token) when it is good.</summary>
    Task<RedeemOutcome> RedeemAsync(string tokenId, string secretHash, PeeringRecord peering, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Stores the joining side's record; returns an error when the name is taken.</summary>
    Task<string?> AddPeeringAsync(PeeringRecord peering, CancellationToken cancellationToken = default);

    Task<PeeringRecord?> GetAsync(string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<PeeringRecord>> ListAsync(CancellationToken cancellationToken = default);

    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Takes the peer's current roots (it sends them on every stream and when they change); true when they changed.</summary>
    Task<bool> UpdateRootsAsync(string name, IReadOnlyList<string> roots, CancellationToken cancellationToken = default);
}

/// <summary>
/// One peering. The dialer (the side that redeemed the token) holds the stream and keeps the credential it presents,
/// sealed by the KEK; the acceptor keeps only the credential's hash.
/// </summary>
[GenerateSerializer]
[Alias("mesh.federation.peering.v1")]
public sealed record PeeringRecord
{
    [Id(0)] public string Name { get; init; } = "";
    [Id(1)] public string PeerCluster { get; init; } = "";
    [Id(2)] public string TrustDomain { get; init; } = "";
    [Id(3)] public IReadOnlyList<string> Roots { get; init; } = [];
    [Id(4)] public IReadOnlyList<string> Addresses { get; init; } = [];
    [Id(5)] public bool Dialer { get; init; }
    [Id(6)] public string? SealedCredential { get; init; }
    [Id(7)] public string? CredentialHash { get; init; }
    [Id(8)] public DateTimeOffset CreatedAt { get; init; }

    /// <summary>The name the peer gave this cluster (what the dialer sends as <c>mesh-peer</c>).</summary>
    [Id(9)] public string RemoteName { get; init; } = "";

    public override string ToString() => $"PeeringRecord({Name}, {PeerCluster})";
}

[GenerateSerializer]
[Alias("mesh.federation.token.v1")]
public sealed record PeeringTokenRecord
{
    [Id(0)] public string Id { get; init; } = "";
    [Id(1)] public string Peer { get; init; } = "";
    [Id(2)] public string SecretHash { get; init; } = "";
    [Id(3)] public DateTimeOffset ExpiresAt { get; init; }
    [Id(4)] public bool Redeemed { get; init; }

    public override string ToString() => $"PeeringTokenRecord({Id}, {Peer})";
}

/// <summary>The stored peering, or why the token was refused (<see cref="Problem"/>) and whether it was a conflict.</summary>
[GenerateSerializer]
[Alias("mesh.federation.redeem-outcome.v1")]
public sealed record RedeemOutcome
{
    [Id(0)] public PeeringRecord? Peering { get; init; }
    [Id(1)] public string? Problem { get; init; }
}
