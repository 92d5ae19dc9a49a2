using Mesh.Storage.Abstractions;
using Microsoft.Extensions.Hosting;

namespace Mesh.Silo.Cache;

/// <summary>
/// Keeps <see cref="ResourceCache"/> in step with the store. It wakes on a change notice (a write through this silo,
/// or another silo's notice on the Orleans change stream) or on a poll timer, and then reads the change log after its
/// revision. A notice only says "look"; the log is the truth, so a lost notice or a lost stream subscription costs at
/// most one poll interval (the anti-entropy that makes every silo converge by itself).
/// </summary>
internal sealed partial class ChangeFeedService(
    IMeshStore store,
    ResourceCache cache,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<ChangeFeedService> logger) : BackgroundService
{
    private readonly WakeSignal _wake = new();

    /// <summary>Asks the feed to read the log now.</summary>
    public void Wake() => _wake.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await LoadSnapshotAsync(stoppingToken);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await CatchUpAsync(stoppingToken);
            }
            catch (StoreUnavailableException ex)
            {
                LogStoreUnavailable(logger, ex.Message);
            }

            try
            {
                await _wake.WaitAsync(options.ChangePollInterval, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private async Task LoadSnapshotAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                // The schema is already migrated: SchemaMigrationService finishes before any later hosted service starts.
                cache.LoadSnapshot(await store.ReadSnapshotAsync(cancellationToken));
                LogLoaded(logger, cache.Revision);
                return;
            }
            catch (StoreUnavailableException ex)
            {
                LogStoreUnavailable(logger, ex.Message);
                await Task.Delay(delay, timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var page = await store.ReadChangesAsync(cache.Revision, options.ChangePageSize, cancellationToken);
            if (page.Compacted)
            {
                LogResnapshot(logger, cache.Revision);
                cache.LoadSnapshot(await store.ReadSnapshotAsync(cancellationToken));
                return;
            }

            cache.Apply(page);
            if (!page.HasMore)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Resource cache loaded at revision {Revision}")]
    private static partial void LogLoaded(ILogger logger, long revision);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Store unavailable, change feed will retry: {Reason}")]
    private static partial void LogStoreUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Change log compacted past revision {Revision}; reloading a snapshot")]
    private static partial void LogResnapshot(ILogger logger, long revision);
}
