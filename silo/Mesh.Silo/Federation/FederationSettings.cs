namespace Mesh.Silo.Federation;

/// <summary>Peering with other silo clusters, bound from <c>Mesh:Federation</c> (docs/federation.md, docs/operations.md).</summary>
internal sealed record FederationSettings
{
    /// <summary>This cluster's name as peers see it; defaults to the CA's trust domain.</summary>
    public string? ClusterName { get; init; }

    /// <summary>
    /// URLs of this cluster's silos that peers dial (put in peering tokens); defaults to <c>Mesh:AdvertisedAddress</c>,
    /// else the addresses this silo listens on.
    /// </summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>This cluster's east-west gateway, <c>host:port</c>, that peers send exported services' traffic to.</summary>
    public string? GatewayAddress { get; init; }

    /// <summary>A peer silent this long is Stale: its imports are kept and served.</summary>
    public TimeSpan StaleAfter { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A peer silent this long is Expired: its imports are withdrawn until it is heard again.</summary>
    public TimeSpan ExpireAfter { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often each side sends a heartbeat, and how often exports are re-checked for changes.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The wait before the dialer re-opens a stream that ended; doubled on each failure up to 8 times this.</summary>
    public TimeSpan ReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan DefaultTokenTtl { get; init; } = TimeSpan.FromHours(1);
}
