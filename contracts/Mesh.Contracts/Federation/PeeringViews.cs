namespace Mesh.Contracts.Federation;

/// <summary>Body of <c>POST /api/v1/peerings/tokens</c>: the name this cluster gives the peer that will redeem the token.</summary>
public sealed record CreatePeeringTokenRequest
{
    public string Peer { get; set; } = "";

    /// <summary>How long the token may be redeemed; default 1 hour, at most 24.</summary>
    public int? TtlSeconds { get; init; }
}

public sealed record PeeringTokenView(string Peer, string Token, DateTimeOffset ExpiresAt);

/// <summary>Body of <c>POST /api/v1/peerings</c>: redeem another cluster's token, naming the peering on this side.</summary>
public sealed record JoinPeeringRequest
{
    public string Name { get; set; } = "";

    public string Token { get; set; } = "";
}

/// <summary>
/// A peering as <c>meshctl peer list</c> shows it. <see cref="State"/>: <c>Active</c> (heard within StaleAfter),
/// <c>Stale</c> (silent; its imports kept and served), <c>Expired</c> (silent past ExpireAfter; imports withdrawn).
/// </summary>
public sealed record PeeringView
{
    public string Name { get; set; } = "";
    public string PeerCluster { get; set; } = "";
    public string TrustDomain { get; set; } = "";

    /// <summary><c>dialer</c>: this cluster holds the stream (it redeemed the token); <c>acceptor</c>: the peer does.</summary>
    public string Role { get; set; } = "";
    public string State { get; set; } = "";
    public bool Connected { get; init; }
    public DateTimeOffset? LastHeard { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public int ImportedServices { get; init; }
    public int ExportedServices { get; init; }
    public TimeSpan StaleAfter { get; init; }
    public TimeSpan ExpireAfter { get; init; }
    public string? LastError { get; init; }

    /// <summary>Whether this cluster's probes reach the peer's east-west gateway (imports behind an unreachable one are never chosen).</summary>
    public bool GatewayReachable { get; set; } = true;

    /// <summary>The silo this peering's link is active on: the dialer's stream and the gateway probes run there.</summary>
    public string Silo { get; set; } = "";
}

public static class PeeringStates
{
    public const string Active = "Active";
    public const string Stale = "Stale";
    public const string Expired = "Expired";
}
