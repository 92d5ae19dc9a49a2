using System.Diagnostics;
using Mesh.Silo.Observability;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Cache;

/// <summary>
/// The one path by which this silo writes: times the store write and wakes the change feed at once, so a write's
/// subscribers on this silo don't wait for the NOTIFY round trip.
/// </summary>
internal sealed class ResourceWriter(IMeshStore store, ChangeFeedService feed, SiloMetrics metrics)
{
    public async Task<WriteResult> WriteAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await store.WriteAsync(writes, cancellationToken);
            feed.Wake();
            return result;
        }
        catch (Exception ex) when (ex is StoreUnavailableException or StoreConflictException)
        {
            metrics.StoreWriteFailures.Add(1, new KeyValuePair<string, object?>("reason", ex is StoreConflictException ? "conflict" : "unavailable"));
            throw;
        }
        finally
        {
            metrics.StoreWriteDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }
}
