using Mesh.Grains.Registry;
using Mesh.Silo.Health;

namespace Mesh.Silo.Cluster;

/// <summary>
/// Every silo asks the grains that must always run somewhere (the health partitions and the lease sweeper) to be
/// active, every <see cref="HealthOptions.PartitionCheckInterval"/>. Orleans keeps each to one activation; these calls
/// are what re-activate them on a survivor soon after their silo dies, without waiting for a reminder tick.
/// </summary>
internal sealed partial class ActivationKeeper(
    HealthPartitionKeeper partitions,
    IGrainFactory grains,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<ActivationKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Health.PartitionCheckInterval;
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            do
            {
                await Task.WhenAll(partitions.EnsureAllAsync(stoppingToken), EnsureLeaseExpiryAsync(interval, stoppingToken));
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task EnsureLeaseExpiryAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        try
        {
            await grains.GetGrain<ILeaseExpiryGrain>(0).EnsureActiveAsync().WaitAsync(wait, timeProvider, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogUnreachable(logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 605, Level = LogLevel.Debug, Message = "Lease sweeper not reachable yet: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string reason);
}
