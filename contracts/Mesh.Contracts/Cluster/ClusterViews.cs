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
    public string Id { get; init; } = "";
    public string SiloId { get; init; } = "";
    public NodeInfo Node { get; init; } = new();
    public DateTimeOffset ConnectedAt { get; init; }
    public DateTimeOffset LastSeen { get; init; }
    /// <summary>Newest revision sent to it.</summary>
    public long SentRevision { get; init; }
    public long AckedRevision { get; init; }
    public long? NackedRevision { get; init; }
    public string? LastNackError { get; init; }
    public DateTimeOffset? LastNackAt { get; init; }
}
