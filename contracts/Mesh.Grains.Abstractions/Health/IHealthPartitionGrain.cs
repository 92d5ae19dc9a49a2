using Orleans.Concurrency;

namespace Mesh.Grains.Health;

/// <summary>
/// One partition of the registry's endpoints (key: the partition number, FNV-1a-64("namespace/name") mod
/// <c>Mesh:Health:Shards</c>), owning their liveness: the active health checks, which the silo holding the activation
/// runs, and the TTL leases, which the activation expires (a lease is a TTL health check, as in Consul). Orleans keeps
/// exactly one activation of each partition in the cluster, so each endpoint is probed and expired by one silo without
/// leases or fencing of our own. When that silo dies, the next <see cref="EnsureActiveAsync"/> from any survivor
/// re-activates the partition there; a reminder brings it back after a full cluster restart.
/// </summary>
public interface IHealthPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the partition if needed and tells where it runs.</summary>
    Task<HealthPartitionStatus> EnsureActiveAsync();

    /// <summary>
    /// An endpoint of this partition was registered with a lease ending at <paramref name="expiresAt"/>. Fire and forget:
    /// a lost notice only delays that expiry until the partition re-reads its leases (next activation or reminder tick).
    /// </summary>
    [OneWay]
    Task LeaseScheduledAsync(DateTimeOffset expiresAt);
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
