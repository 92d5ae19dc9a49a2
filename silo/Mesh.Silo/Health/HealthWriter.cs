using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Health;

/// <summary>
/// Writes health changes, coalesced: changes queue per endpoint (the latest wins) and each flush writes one
/// transaction per partition, so a burst of transitions becomes a few revisions. Changes of a partition that has left
/// this silo are dropped: its new silo probes the endpoint itself. Each write expects the endpoint's cached version,
/// so a verdict based on an endpoint that changed meanwhile is refused (409) and retried against the new version
/// rather than overwriting it; Orleans' single activation, not a lease, keeps two silos from probing one partition.
/// </summary>
internal sealed partial class HealthWriter(
    IMeshStore store,
    ResourceCache cache,
    IChangeAnnouncer notifier,
    ShardOwnership ownership,
    HealthMetrics metrics,
    TimeProvider timeProvider,
    ILogger<HealthWriter> logger) : BackgroundService
{
    private readonly Lock _gate = new();
    private readonly WakeSignal _wake = new();
    private Dictionary<ResourceKey, (int Shard, EndpointHealth Health)> _pending = [];

    public void Enqueue(ResourceKey key, int shard, EndpointHealth health)
    {
        lock (_gate)
        {
            _pending[key] = (shard, health);
        }

        _wake.Set();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (true)
            {
                await _wake.WaitAsync(Timeout.InfiniteTimeSpan, stoppingToken);
                Dictionary<ResourceKey, (int Shard, EndpointHealth Health)> batch;
                lock (_gate)
                {
                    (batch, _pending) = (_pending, []);
                }

                var retry = new List<KeyValuePair<ResourceKey, (int, EndpointHealth)>>();
                foreach (var shard in batch.GroupBy(p => p.Value.Shard))
                {
                    if (!await FlushAsync(shard.Key, shard.ToList(), stoppingToken))
                    {
                        retry.AddRange(shard);
                    }
                }

                if (retry.Count > 0)
                {
                    // The cache or the store was behind: try again once it moved, or after a short pause.
                    await Task.WhenAny(cache.Changed, Task.Delay(TimeSpan.FromMilliseconds(250), timeProvider, stoppingToken));
                    Requeue(retry);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Returns false when the changes should be retried.</summary>
    private async Task<bool> FlushAsync(int shard, List<KeyValuePair<ResourceKey, (int Shard, EndpointHealth Health)>> changes, CancellationToken cancellationToken)
    {
        if (!ownership.Holds(shard))
        {
            return true;
        }

        try
        {
            var writes = new List<ResourceWrite>();
            foreach (var (key, (_, health)) in changes)
            {
                if (cache.Get(key) is not { } resource || MeshJson.FromElement<EndpointSpec>(resource.Spec) is not { } spec || spec.Health == health)
                {
                    continue;
                }

                writes.Add(ResourceWrite.Upsert(resource with { Spec = MeshJson.ToElement(spec with { Health = health }) }, resource.Version));
            }

            if (writes.Count == 0)
            {
                return true;
            }

            var result = await store.WriteAsync(writes, cancellationToken);
            notifier.Committed(result.Revision);
            metrics.RecordWrites(writes.Count, "written");
            LogWritten(logger, writes.Count, shard, result.Revision);
            return true;
        }
        catch (Exception ex) when (ex is StoreConflictException or StoreUnavailableException)
        {
            metrics.RecordWrites(changes.Count, "retry");
            LogRetry(logger, shard, ex.Message);
            return false;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Never let one bad batch stop health writes; the probes enqueue the verdicts again.
            metrics.RecordWrites(changes.Count, "failed");
            LogWriteFailed(logger, shard, ex);
            return true;
        }
    }

    private void Requeue(List<KeyValuePair<ResourceKey, (int Shard, EndpointHealth Health)>> changes)
    {
        lock (_gate)
        {
            foreach (var (key, change) in changes)
            {
                _pending.TryAdd(key, change);
            }
        }

        _wake.Set();
    }

    [LoggerMessage(EventId = 643, Level = LogLevel.Information, Message = "Wrote {Count} health changes of partition {Shard} at revision {Revision}")]
    private static partial void LogWritten(ILogger logger, int count, int shard, long revision);

    [LoggerMessage(EventId = 613, Level = LogLevel.Error, Message = "Health changes of partition {Shard} could not be written")]
    private static partial void LogWriteFailed(ILogger logger, int shard, Exception exception);

    [LoggerMessage(EventId = 612, Level = LogLevel.Warning, Message = "Health changes of partition {Shard} will be retried: {Reason}")]
    private static partial void LogRetry(ILogger logger, int shard, string reason);
}
