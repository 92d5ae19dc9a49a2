using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Registry;

/// <summary>
/// Expires the endpoint leases of one health partition, owned by that partition's grain activation (so by exactly one
/// silo, and by a survivor soon after its silo dies). Deletes go through the store as one versioned write and are
/// announced like any other change, so an expiry is pushed like any removal.
/// The grain keeps only the partition's earliest expiry in memory: registrations tell it about new leases
/// (<see cref="Scheduled"/>), renewals only move leases later and need not, and it touches the store only when that
/// time comes, when a reminder tick asks it to re-read, or after an outage.
/// </summary>
internal sealed partial class PartitionLeaseSweeper(
    LeasePartition partition,
    IMeshStore store,
    IChangeAnnouncer notifier,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger logger)
{
    private const int BatchSize = 1000;

    // Null until the database has been seen reachable (at activation and again after every outage). While the
    // database was down nobody could renew, so leases that ran out meanwhile get LeaseSweepGraceAfterOutage first.
    // A new activation (after a takeover) starts with the grace too: the dead silo's sidecars may be renewing elsewhere.
    private DateTimeOffset? _reachableSince;

    // The partition's earliest lease as last read from the store or told by a registration; null when it has none.
    private DateTimeOffset? _nextExpiry;
    private bool _nextExpiryKnown;

    /// <summary>A registration gave an endpoint of this partition a lease ending at <paramref name="expiresAt"/>.</summary>
    public void Scheduled(DateTimeOffset expiresAt)
    {
        if (_nextExpiryKnown && (_nextExpiry is null || expiresAt < _nextExpiry))
        {
            _nextExpiry = expiresAt;
        }
    }

    /// <summary>Re-read the earliest expiry from the store on the next sweep (covers a lost registration notice).</summary>
    public void Reread() => _nextExpiryKnown = false;

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        try
        {
            var now = timeProvider.GetUtcNow();
            if (_reachableSince is null || !_nextExpiryKnown)
            {
                await ReadNextExpiryAsync(cancellationToken);
                _reachableSince ??= now;
            }

            if (now - _reachableSince < options.LeaseSweepGraceAfterOutage || _nextExpiry is not { } due || due >= now)
            {
                return;
            }

            var expired = 0;
            for (var batch = await store.ExpireLeasesAsync(now, BatchSize, partition, cancellationToken);
                 batch.Count > 0;
                 batch = batch.Count < BatchSize ? [] : await store.ExpireLeasesAsync(now, BatchSize, partition, cancellationToken))
            {
                expired += batch.Count;
            }

            if (expired > 0)
            {
                notifier.Committed(await store.GetRevisionAsync(cancellationToken));
                LogExpired(logger, expired, partition.Index);
            }

            await ReadNextExpiryAsync(cancellationToken);
        }
        catch (StoreUnavailableException ex)
        {
            _reachableSince = null;
            LogSkipped(logger, partition.Index, ex.Message);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // One failed sweep must not end the timer; the next tick tries again.
            _nextExpiryKnown = false;
            LogFailed(logger, partition.Index, ex);
        }
    }

    private async Task ReadNextExpiryAsync(CancellationToken cancellationToken)
    {
        _nextExpiry = await store.NextLeaseExpiryAsync(partition, cancellationToken);
        _nextExpiryKnown = true;
    }

    [LoggerMessage(EventId = 530, Level = LogLevel.Debug, Message = "Expired {Count} endpoint leases of partition {Partition}")]
    private static partial void LogExpired(ILogger logger, int count, int partition);

    [LoggerMessage(EventId = 531, Level = LogLevel.Warning, Message = "Lease expiry of partition {Partition} skipped: {Reason}")]
    private static partial void LogSkipped(ILogger logger, int partition, string reason);

    [LoggerMessage(EventId = 532, Level = LogLevel.Error, Message = "Lease expiry of partition {Partition} failed")]
    private static partial void LogFailed(ILogger logger, int partition, Exception exception);
}
