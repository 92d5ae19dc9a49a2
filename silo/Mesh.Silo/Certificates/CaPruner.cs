using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>Keeps the join-token table and the issued-certificate log from growing without bound.</summary>
internal sealed partial class CaPruner(ICaStore store, ResourceCache cache, SiloOptions options, TimeProvider timeProvider, ILogger<CaPruner> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await cache.Loaded.WaitAsync(stoppingToken);
        var settings = options.Ca;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var now = timeProvider.GetUtcNow();
                var removed = await store.PruneAsync(now - settings.ExpiredJoinTokenRetention, now - settings.IssuedCertificateRetention, stoppingToken);
                if (removed > 0)
                {
                    LogPruned(logger, removed);
                }
            }
            catch (StoreUnavailableException ex)
            {
                CaLog.StoreUnavailable(logger, ex.Message);
            }

            await Task.Delay(settings.PruneInterval, timeProvider, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 617, Level = LogLevel.Information, Message = "Pruned {Count} expired join tokens and issued-certificate records")]
    private static partial void LogPruned(ILogger logger, int count);
}
