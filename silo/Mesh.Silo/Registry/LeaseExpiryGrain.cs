using Mesh.Grains.Registry;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;
using Orleans.Runtime;

namespace Mesh.Silo.Registry;

/// <summary>
/// The cluster's one lease sweeper. Deletes endpoints whose lease was not renewed, through the normal write path, so
/// an expiry is pushed like any other removal.
/// </summary>
[KeepAlive]
internal sealed partial class LeaseExpiryGrain(
    IMeshStore store,
    ChangeNotifier notifier,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<LeaseExpiryGrain> logger) : Grain, ILeaseExpiryGrain, IRemindable
{
    private const string Backstop = "lease-expiry-backstop";

    // Null until the database has been seen reachable (at activation and again after every outage). While the
    // database was down nobody could renew, so leases that ran out meanwhile get LeaseSweepGraceAfterOutage first.
    // A new activation (after a takeover) starts with the grace too: the dead silo's sidecars may be renewing elsewhere.
    private DateTimeOffset? _reachableSince;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(SweepAsync, new GrainTimerCreationOptions(options.LeaseSweepInterval, options.LeaseSweepInterval) { KeepAlive = true });
        try
        {
            await this.RegisterOrUpdateReminder(Backstop, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The keepers re-activate this grain every second anyway; the reminder only matters after a full restart.
            LogBackstopNotRegistered(logger, ex.Message);
        }

        LogActive(logger, options.SiloId);
    }

    public Task<string> EnsureActiveAsync() => Task.FromResult(options.SiloId);

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;

    private async Task SweepAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_reachableSince is null)
            {
                await store.GetRevisionAsync(cancellationToken);
                _reachableSince = timeProvider.GetUtcNow();
            }

            if (timeProvider.GetUtcNow() - _reachableSince < options.LeaseSweepGraceAfterOutage)
            {
                return;
            }

            var expired = false;
            while ((await store.ExpireLeasesAsync(timeProvider.GetUtcNow(), 1000, cancellationToken)).Count > 0)
            {
                expired = true;
            }

            if (expired)
            {
                notifier.Committed(await store.GetRevisionAsync(cancellationToken));
            }
        }
        catch (StoreUnavailableException ex)
        {
            _reachableSince = null;
            LogSkipped(logger, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One failed sweep must not end the timer; the next tick tries again.
            LogFailed(logger, ex);
        }
    }

    [LoggerMessage(EventId = 530, Level = LogLevel.Information, Message = "Endpoint lease expiry runs on silo {Silo}")]
    private static partial void LogActive(ILogger logger, string silo);

    [LoggerMessage(EventId = 531, Level = LogLevel.Warning, Message = "Lease expiry skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string reason);

    [LoggerMessage(EventId = 532, Level = LogLevel.Error, Message = "Lease expiry failed")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 533, Level = LogLevel.Warning, Message = "Lease expiry reminder not registered: {Reason}")]
    private static partial void LogBackstopNotRegistered(ILogger logger, string reason);
}
