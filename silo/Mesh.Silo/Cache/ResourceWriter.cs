using System.Diagnostics;
using Mesh.Silo.Observability;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Cache;

/// <summary>
/// The one path by which this silo writes resources: times the store write and announces the new revision, to this
/// silo's change feed at once and to the other silos on the change stream.
/// </summary>
internal sealed class ResourceWriter(IMeshStore store, IChangeAnnouncer notifier, SiloMetrics metrics)
{
    public async Task<WriteResult> WriteAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await store.WriteAsync(writes, cancellationToken);
            notifier.Committed(result.Revision);
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
