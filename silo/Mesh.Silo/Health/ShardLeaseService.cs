using Mesh.Silo.Cache;
using Mesh.Silo.Cluster;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Health;

/// <summary>
/// Balances this silo's health-check shards every third of a lease: renew, release the excess over a fair share,
/// take free or expired shards. A silo counts as live for the share while its heartbeat is younger than one lease.
/// </summary>
internal sealed partial class ShardLeaseService(
    IShardLeaseStore store,
    ShardOwnership ownership,
    SiloIdentity silo,
    SiloOptions options,
    ResourceCache cache,
    TimeProvider timeProvider,
    ILogger<ShardLeaseService> logger)
    : PeriodicService(cache, timeProvider, logger)
{
    private readonly SemaphoreSlim _step = new(1, 1);
    private bool _released;

    private HealthOptions Health => options.Health;

    protected override TimeSpan Interval => Health.RenewInterval;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await _step.WaitAsync(cancellationToken);
        try
        {
            if (_released)
            {
                return;
            }

            var startedAt = Clock.GetTimestamp();
            var before = ownership.Count;
            // When the store is unreachable this throws and the held shards lapse at their local deadlines.
            var balance = await store.BalanceShardsAsync(new ShardClaim(silo.Id, Health.Shards, Health.LeaseDuration, Health.LeaseDuration), cancellationToken);

            ownership.Update(balance, startedAt);
            if (balance.Held.Count != before)
            {
                LogBalanced(logger, balance.Held.Count, balance.LiveMembers, balance.Target);
            }
        }
        finally
        {
            _step.Release();
        }
    }

    /// <summary>Stops balancing and frees every lease at once, so other silos take the shards on their next step.</summary>
    public async Task ReleaseAsync(CancellationToken cancellationToken)
    {
        await _step.WaitAsync(cancellationToken);
        try
        {
            _released = true;
            ownership.Clear();
            await store.ReleaseShardsAsync(silo.Id, cancellationToken);
            LogReleased(logger);
        }
        finally
        {
            _step.Release();
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "Holding {Count} health-check shards ({Live} live silos, share {Target})")]
    private static partial void LogBalanced(ILogger logger, int count, int live, int target);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Released every health-check shard")]
    private static partial void LogReleased(ILogger logger);
}
