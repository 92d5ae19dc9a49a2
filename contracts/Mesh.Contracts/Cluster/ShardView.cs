namespace Mesh.Contracts.Cluster;

/// <summary>
/// One health partition as the admin API shows it: the silo its single activation runs on (null when it could not be
/// reached in time, e.g. right after its silo died), the activation's generation (higher after every takeover), when
/// it was activated, and how many endpoints with a health check hash to it.
/// </summary>
public sealed record ShardView(int Shard, string? Owner, long Generation, DateTimeOffset? ActivatedAt, int Endpoints);
