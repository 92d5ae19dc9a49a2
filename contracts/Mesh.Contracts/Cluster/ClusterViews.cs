using Mesh.Contracts.Protocol;

namespace Mesh.Contracts.Cluster;

/// <summary>A row of the membership table.</summary>
public sealed record SiloMember(string Id, string Address, DateTimeOffset StartedAt, DateTimeOffset LastHeartbeat, long Revision);

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
