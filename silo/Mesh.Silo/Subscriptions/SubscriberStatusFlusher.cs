using Mesh.Contracts.Cluster;
using Mesh.Storage.Abstractions;
using Microsoft.Extensions.Hosting;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// Writes subscriber status to the store in batches so the admin API of every silo can list every subscriber.
/// Batching keeps ACK traffic from thousands of sidecars off the database's critical path.
/// </summary>
internal sealed partial class SubscriberStatusFlusher(
    SubscriberRegistry registry,
    IMeshStore store,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<SubscriberStatusFlusher> logger) : BackgroundService
{
    private readonly Cache.WakeSignal _urgent = new();

    /// <summary>Flush now rather than at the next interval (a NACK should show up promptly).</summary>
    public void FlushSoon() => _urgent.Set();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _urgent.WaitAsync(options.SubscriberStatusFlushInterval, stoppingToken);
                await FlushAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (StoreUnavailableException ex)
            {
                LogFlushFailed(logger, ex.Message);
            }
        }
    }

    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var dirty = new List<SubscriberStatus>();
        foreach (var session in registry.Sessions)
        {
            session.CheckStale(now, options.SubscriberStaleAfter);
            if (session.State.TakeIfDirty() is { } status)
            {
                dirty.Add(status with { LastSeen = status.LastSeen > now ? now : status.LastSeen });
            }
        }

        if (dirty.Count > 0)
        {
            await store.UpsertSubscribersAsync(dirty, cancellationToken);
        }

        var departed = registry.TakeDeparted();
        if (departed.Count > 0)
        {
            await store.RemoveSubscribersAsync(departed, cancellationToken);
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "Could not flush subscriber status: {Reason}")]
    private static partial void LogFlushFailed(ILogger logger, string reason);
}
