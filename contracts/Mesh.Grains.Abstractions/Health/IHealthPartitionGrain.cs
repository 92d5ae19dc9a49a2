namespace Mesh.Grains.Health;

/// <summary>
/// One partition of the endpoints that have an active health check (key: the partition number,
/// FNV-1a-64("namespace/name") mod <c>Mesh:Health:Shards</c>). Orleans keeps exactly one activation of each partition in
/// the cluster, and the silo holding it probes the partition's endpoints, so each endpoint is probed by one silo
/// without leases or fencing. When that silo dies, the next <see cref="EnsureActiveAsync"/> from any survivor
/// re-activates the partition there.
/// </summary>
public interface IHealthPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the partition if needed and tells where it runs.</summary>
    Task<HealthPartitionStatus> EnsureActiveAsync();
}

/// <summary>
/// Where a health partition runs. <see cref="Generation"/> counts the partition's activations over the cluster's life
/// (stored with the grain), so a takeover is visible as a higher generation.
/// </summary>
[GenerateSerializer]
[Alias("mesh.health.partition-status.v1")]
public sealed record HealthPartitionStatus(
    [property: Id(0)] int Partition,
    [property: Id(1)] string Silo,
    [property: Id(2)] long Generation,
    [property: Id(3)] DateTimeOffset ActivatedAt);
