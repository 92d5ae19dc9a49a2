namespace Mesh.Storage.Abstractions;

/// <summary>
/// Leases on the health-check shards (<c>mesh_shard_leases</c>): exactly one live owner per shard, a fencing token
/// that grows with every acquisition, and expiry judged by the store's own clock so silo clocks never matter.
/// Every implementation passes the same contract tests (tests/Mesh.Tests/Health).
/// </summary>
public interface IShardLeaseStore
{
    /// <summary>
    /// One balancing step for <see cref="ShardClaim.Owner"/>: renews its live leases, counts the live silos (fresh
    /// heartbeat, a live lease, or the caller), releases what it holds beyond its share and
    /// acquires free or expired shards up to that share (see <see cref="ShardShare"/>), each acquisition with a new fencing token.
    /// </summary>
    Task<ShardBalance> BalanceShardsAsync(ShardClaim claim, CancellationToken cancellationToken);

    /// <summary>Frees every lease of <paramref name="owner"/> at once (graceful shutdown), so others take over now.</summary>
    Task ReleaseShardsAsync(string owner, CancellationToken cancellationToken);

    /// <summary>Shards 0..<paramref name="shardCount"/>-1 with their live owner (null when free or expired).</summary>
    Task<IReadOnlyList<ShardLease>> ListShardsAsync(int shardCount, CancellationToken cancellationToken);

    /// <summary>
    /// Applies the writes like <see cref="IMeshStore.WriteAsync"/>, but only while <paramref name="fence"/> still holds:
    /// the lease is checked in the write's own transaction. Throws <see cref="ShardLeaseLostException"/> otherwise.
    /// </summary>
    Task<WriteResult> WriteFencedAsync(IReadOnlyList<ResourceWrite> writes, ShardFence fence, CancellationToken cancellationToken);
}

/// <summary>Who asks, for how many shards, how long a lease lasts and how recent a heartbeat makes a silo live.</summary>
public sealed record ShardClaim(string Owner, int ShardCount, TimeSpan LeaseDuration, TimeSpan MemberLiveness);

/// <summary>One shard's lease. <see cref="Owner"/> is null when nobody holds it.</summary>
public sealed record ShardLease(int Shard, string? Owner, long FencingToken, DateTimeOffset ExpiresAt);

/// <summary>
/// The caller's leases after a balancing step, the store's clock at that step (to turn <see cref="ShardLease.ExpiresAt"/>
/// into a local deadline), the live silos counted and the share that gave.
/// </summary>
public sealed record ShardBalance(IReadOnlyList<ShardLease> Held, DateTimeOffset StoreNow, int LiveMembers, int Target);

/// <summary>The lease a write depends on.</summary>
public sealed record ShardFence(int Shard, string Owner, long FencingToken);

/// <summary>A fenced write was refused: the writer no longer holds the shard with that token. Nothing was written.</summary>
public sealed class ShardLeaseLostException(ShardFence fence)
    : Exception($"shard {fence.Shard} is no longer held by '{fence.Owner}' with fencing token {fence.FencingToken}")
{
    public ShardFence Fence { get; } = fence;
}
