using Mesh.Storage.Abstractions;
using Orleans.Runtime;

namespace Mesh.Silo.Cluster;

/// <summary>
/// When Orleans declares a silo dead, the subscriber rows it had written (and their outlier reports) are removed, so
/// the admin API no longer shows sidecars connected to it. Every silo does it on every membership change; the delete
/// is idempotent, so that costs nothing but makes it happen as long as one silo survives.
/// </summary>
internal sealed partial class DeadSiloCleanup(IClusterMembershipService membership, IMeshStore store, ILogger<DeadSiloCleanup> logger) : BackgroundService
{
    private readonly HashSet<string> _cleaned = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var dead = snapshot.Members.Values
                    .Where(m => m.Status == SiloStatus.Dead && !_cleaned.Contains(m.Name))
                    .Select(m => m.Name)
                    .ToList();
                await RemoveAsync(dead, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RemoveAsync(List<string> dead, CancellationToken cancellationToken)
    {
        if (dead.Count == 0)
        {
            return;
        }

        try
        {
            var removed = await store.RemoveSubscribersOfSilosAsync(dead, cancellationToken);
            _cleaned.UnionWith(dead);
            LogRemoved(logger, removed, string.Join(", ", dead));
        }
        catch (StoreUnavailableException ex)
        {
            // Tried again on the next membership change; a silo restarted with the same id reconnects its subscribers anyway.
            LogSkipped(logger, ex.Message);
        }
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Information, Message = "Removed {Count} subscribers of dead silos {Silos}")]
    private static partial void LogRemoved(ILogger logger, int count, string silos);

    [LoggerMessage(EventId = 521, Level = LogLevel.Warning, Message = "Subscribers of dead silos not removed yet: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);
}
