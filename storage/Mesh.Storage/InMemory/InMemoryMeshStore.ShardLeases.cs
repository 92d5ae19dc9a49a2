using Mesh.Storage.Abstractions;

namespace Mesh.Storage.InMemory;

/// <summary>
/// The shard leases of the embedded store: the same rules as the PostgreSQL table under the store's one lock, with
/// the injected clock as "the database clock". With one silo it simply owns every shard.
/// </summary>
internal sealed partial class InMemoryMeshStore : IShardLeaseStore
{
    private readonly Dictionary<int, ShardLease> _shards = [];

    public Task<ShardBalance> BalanceShardsAsync(ShardClaim claim, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            for (var shard = 0; shard < claim.ShardCount; shard++)
            {
                _shards.TryAdd(shard, new ShardLease(shard, null, 0, DateTimeOffset.UnixEpoch));
            }

            var leases = _shards.Values.Where(l => l.Shard < claim.ShardCount).ToList();
            var held = leases.Where(l => l.Owner == claim.Owner && l.ExpiresAt > now).Select(l => l.Shard).ToList();
            foreach (var shard in held)
            {
                _shards[shard] = _shards[shard] with { ExpiresAt = now + claim.LeaseDuration };
            }

            var live = _members.Values.Where(m => m.LastHeartbeat > now - claim.MemberLiveness).Select(m => m.Id)
                .Concat(leases.Where(l => l.Owner is not null && l.ExpiresAt > now).Select(l => l.Owner!))
                .Append(claim.Owner)
                .Distinct(StringComparer.Ordinal)
                .ToList();
            var target = ShardShare.Of(claim, live);
            foreach (var shard in held.OrderDescending().Take(Math.Max(0, held.Count - target)))
            {
                _shards[shard] = _shards[shard] with { Owner = null, ExpiresAt = now };
            }

            var free = leases.Where(l => l.Owner is null || l.ExpiresAt <= now).Select(l => l.Shard).Order();
            foreach (var shard in free.Take(Math.Max(0, target - held.Count)).ToList())
            {
                var lease = _shards[shard];
                _shards[shard] = new ShardLease(shard, claim.Owner, lease.FencingToken + 1, now + claim.LeaseDuration);
            }

            var mine = _shards.Values.Where(l => l.Owner == claim.Owner && l.ExpiresAt > now && l.Shard < claim.ShardCount).OrderBy(l => l.Shard).ToList();
            return Task.FromResult(new ShardBalance(mine, now, live.Count, target));
        }
    }

    public Task ReleaseShardsAsync(string owner, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            foreach (var lease in _shards.Values.Where(l => l.Owner == owner).ToList())
            {
                _shards[lease.Shard] = lease with { Owner = null, ExpiresAt = now };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ShardLease>> ListShardsAsync(int shardCount, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            return Task.FromResult<IReadOnlyList<ShardLease>>(Enumerable.Range(0, shardCount)
                .Select(s => _shards.TryGetValue(s, out var lease) ? lease : new ShardLease(s, null, 0, DateTimeOffset.UnixEpoch))
                .Select(l => l.ExpiresAt > now ? l : l with { Owner = null })
                .ToList());
        }
    }

    public Task<WriteResult> WriteFencedAsync(IReadOnlyList<ResourceWrite> writes, ShardFence fence, CancellationToken cancellationToken) =>
        WriteAsync(writes, fence);

    private void CheckFenceLocked(ShardFence? fence)
    {
        if (fence is not null
            && !(_shards.TryGetValue(fence.Shard, out var lease) && lease.Owner == fence.Owner && lease.FencingToken == fence.FencingToken && lease.ExpiresAt > timeProvider.GetUtcNow()))
        {
            throw new ShardLeaseLostException(fence);
        }
    }
}
