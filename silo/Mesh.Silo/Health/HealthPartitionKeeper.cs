using Mesh.Grains.Health;
using Mesh.Silo.Cluster;

namespace Mesh.Silo.Health;

/// <summary>
/// Asks every health partition to be active (<see cref="ActivationKeeper"/> does so every
/// <see cref="HealthOptions.PartitionCheckInterval"/> on every silo). That is what brings a dead silo's partitions back
/// on the survivors (Orleans re-activates a grain on its next call once the dead silo is declared dead) and moves
/// partitions to a joining silo. A partition is only ever active once; calls from several silos are cheap and
/// idempotent, so no silo needs to be in charge.
/// </summary>
internal sealed partial class HealthPartitionKeeper(
    IGrainFactory grains,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<HealthPartitionKeeper> logger)
{
    /// <summary>Where each partition runs now; null for a partition that could not be reached in time.</summary>
    public async Task<HealthPartitionStatus?[]> EnsureAllAsync(CancellationToken cancellationToken)
    {
        var calls = Enumerable.Range(0, options.Health.Shards).Select(p => EnsureAsync(p, cancellationToken));
        return await Task.WhenAll(calls);
    }

    /// <summary>Where one partition runs now; null when it could not be reached in time.</summary>
    public async Task<HealthPartitionStatus?> EnsureAsync(int partition, CancellationToken cancellationToken)
    {
        try
        {
            // A partition on a silo that just died answers only after the death is declared; don't wait for the
            // whole grain-call timeout, the next round asks again.
            return await grains.GetGrain<IHealthPartitionGrain>(partition).EnsureActiveAsync()
                .WaitAsync(options.Health.PartitionCheckInterval, timeProvider, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, partition, ex.Message);
            return null;
        }
    }

    [LoggerMessage(EventId = 642, Level = LogLevel.Debug, Message = "Health partition {Partition} not reachable yet: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, int partition, string reason);
}
