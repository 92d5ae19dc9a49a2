using Mesh.Contracts.Protocol;

namespace Mesh.Contracts.Cluster;

/// <summary>
/// One silo in Orleans' membership view: its name (<c>Mesh:SiloId</c>), silo-to-silo address, status (Joining, Active,
/// ShuttingDown, Stopping, Dead), start time and last "I am alive" write.
/// </summary>
public sealed record SiloMember(string Id, string Address, string Status, DateTimeOffset StartedAt, DateTimeOffset LastIAmAlive);

/// <summary>What the admin API shows about one subscriber.</summary>
public sealed record SubscriberStatus
{
    public string Id { get; set; } = "";
    public string SiloId { get; set; } = "";
    public NodeInfo Node { get; set; } = new();
    public DateTimeOffset ConnectedAt { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    /// <summary>Newest revision sent to it.</summary>
    public long SentRevision { get; init; }
    public long AckedRevision { get; init; }
    public long? NackedRevision { get; init; }
    public string? LastNackError { get; init; }
    public DateTimeOffset? LastNackAt { get; init; }

    /// <summary>
    /// Its silo has not heard from it for longer than its traffic reports allow, or a push stayed unacknowledged
    /// (Mesh:SubscriberStaleAfter).
    /// </summary>
    public bool Stale { get; init; }

    /// <summary>
    /// <c>stale</c>, <c>nacked</c> (it rejected the newest configuration it answered) or <c>synced</c>: Istio's
    /// proxy-status in one word.
    /// </summary>
    public string Sync => Stale ? "stale"
        : NackedRevision is { } nacked && nacked >= AckedRevision ? "nacked"
        : "synced";
}
