using Orleans.Concurrency;

namespace Mesh.Grains.Federation;

/// <summary>
/// The live side of one peering (key: the peering name), in memory: when this cluster is the dialer it holds the one
/// stream to the peer; on both sides it tracks when the peer was last heard and withdraws the peer's imports once the
/// peering has been silent past ExpireAfter. Every silo keeps it activated, so Orleans re-activates it on a survivor
/// when its silo dies, and the stream is re-opened from there.
/// </summary>
public interface IPeerLinkGrain : IGrainWithStringKey
{
    Task EnsureActiveAsync();

    /// <summary>A message from the peer arrived (on whichever silo serves the stream).</summary>
    [OneWay]
    Task HeardAsync(DateTimeOffset at);

    /// <summary>The peer's east-west gateway, as its latest exports name it (probed by this grain).</summary>
    [OneWay]
    Task GatewayAsync(string host, int port);

    Task<PeerLinkStatus> GetStatusAsync();

    /// <summary>The peering was deleted: stop dialing and deactivate.</summary>
    Task StopAsync();
}

[GenerateSerializer]
[Alias("mesh.federation.link-status.v1")]
public sealed record PeerLinkStatus
{
    [Id(0)] public string State { get; init; } = "";
    [Id(1)] public bool Connected { get; init; }
    [Id(2)] public DateTimeOffset? LastHeard { get; init; }
    [Id(3)] public string? LastError { get; init; }
    [Id(4)] public bool GatewayReachable { get; init; } = true;

    /// <summary>The silo the link is active on (where the dialer's stream and the gateway probes run).</summary>
    [Id(5)] public string Silo { get; init; } = "";
}
