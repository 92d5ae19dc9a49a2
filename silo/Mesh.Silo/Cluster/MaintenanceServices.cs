using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;
using Microsoft.Extensions.Hosting;

namespace Mesh.Silo.Cluster;

/// <summary>
/// Runs one periodic maintenance step. Every silo runs every step: each step is idempotent and safe to run
/// concurrently (the store serializes writes), so no leader election is needed for them.
/// </summary>
internal abstract partial class PeriodicService(ResourceCache cache, TimeProvider timeProvider, ILogger logger) : BackgroundService
{
    protected TimeProvider Clock { get; } = timeProvider;

    protected ResourceCache Cache { get; } = cache;

    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Nothing to maintain before the schema exists; the change feed runs the migrations.
            await Cache.Loaded.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        using var timer = new PeriodicTimer(Interval, Clock);
        do
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (StoreUnavailableException ex)
            {
                LogStepFailed(logger, GetType().Name, ex.Message);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // A maintenance step must never take the silo down; the next tick tries again.
                LogStepError(logger, GetType().Name, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken token)
    {
        try
        {
            return await timer.WaitForNextTickAsync(token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 500, Level = LogLevel.Warning, Message = "{Step} skipped: {Reason}")]
    private static partial void LogStepFailed(ILogger logger, string step, string reason);

    [LoggerMessage(EventId = 501, Level = LogLevel.Error, Message = "{Step} failed")]
    private static partial void LogStepError(ILogger logger, string step, Exception exception);
}

/// <summary>Trims the database change log; subscribers and silos behind the trimmed point re-read a snapshot.</summary>
internal sealed class CompactionService(IMeshStore store, ResourceCache cache, SiloOptions options, TimeProvider timeProvider, ILogger<CompactionService> logger)
    : PeriodicService(cache, timeProvider, logger)
{
    protected override TimeSpan Interval => options.CompactionInterval;

    protected override async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        var revision = await store.GetRevisionAsync(cancellationToken);
        if (revision > options.ChangeLogRetainedRevisions)
        {
            await store.CompactAsync(revision - options.ChangeLogRetainedRevisions, cancellationToken);
        }
    }
}
