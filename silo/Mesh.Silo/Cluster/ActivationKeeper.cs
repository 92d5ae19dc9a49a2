using Mesh.Silo.Health;

namespace Mesh.Silo.Cluster;

/// <summary>
/// Every silo asks the grains that must always run somewhere (the health partitions, which also expire leases) to be
/// active, every <see cref="HealthOptions.PartitionCheckInterval"/>. Orleans keeps each to one activation; these calls
/// are what re-activate them on a survivor soon after their silo dies, without waiting for a reminder tick.
/// </summary>
internal sealed class ActivationKeeper(HealthPartitionKeeper partitions, SiloOptions options, TimeProvider timeProvider) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Health.PartitionCheckInterval, timeProvider);
        try
        {
            do
            {
                await partitions.EnsureAllAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
