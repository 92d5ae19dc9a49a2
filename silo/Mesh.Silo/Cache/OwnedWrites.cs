using Mesh.Contracts.Resources;
using Mesh.Grains.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Cache;

/// <summary>
/// The two halves of a write through the grain that owns a resource: inside the grain the store's refusals become
/// values, and at the caller they become the exceptions the admin API turns into a 409 or a 503, as a local write's would.
/// </summary>
internal static class OwnedWrites
{
    public static readonly ResourceWriteResult Deleted = new(ResourceWriteStatus.Written, null, null);

    public static async Task<ResourceWriteResult> RunAsync(Func<Task<ResourceWriteResult>> write)
    {
        try
        {
            return await write();
        }
        catch (StoreConflictException ex)
        {
            return new ResourceWriteResult(ResourceWriteStatus.Conflict, null, ex.Message);
        }
        catch (StoreUnavailableException ex)
        {
            return new ResourceWriteResult(ResourceWriteStatus.Unavailable, null, ex.Message);
        }
    }

    /// <summary>True when written (or deleted), false when there was no such resource; throws for a conflict or an outage.</summary>
    public static bool Accepted(this ResourceWriteResult result, ResourceKey key) => result.Status switch
    {
        ResourceWriteStatus.Written => true,
        ResourceWriteStatus.NotFound => false,
        ResourceWriteStatus.Conflict => throw new StoreConflictException(key, result.Message ?? $"{key} was changed meanwhile"),
        _ => throw new StoreUnavailableException(result.Message ?? "the configuration store is unavailable"),
    };

    /// <summary>The stored resource of an accepted upsert.</summary>
    public static MeshResource Stored(this ResourceWriteResult result, ResourceKey key) =>
        result.Accepted(key) && result.Resource is { } resource
            ? resource
            : throw new StoreConflictException(key, $"{key.Kind} '{key.Namespace}/{key.Name}' was deleted meanwhile");

    /// <summary>Writes one upsert and answers with what is stored (the store returns nothing for an unchanged resource).</summary>
    public static async Task<ResourceWriteResult> UpsertAsync(ResourceWriter writer, IMeshStore store, ResourceWrite write, CancellationToken cancellationToken)
    {
        var result = await writer.WriteAsync([write], cancellationToken);
        if (result.Upserted.Count > 0)
        {
            return ResourceWriteResult.Written(result.Upserted[0]);
        }

        return await store.GetAsync(write.Key, cancellationToken) is { } stored ? ResourceWriteResult.Written(stored.Resource) : ResourceWriteResult.NotFound;
    }

    public static async Task<ResourceWriteResult> DeleteAsync(ResourceWriter writer, ResourceKey key, long? expectedVersion, CancellationToken cancellationToken)
    {
        var result = await writer.WriteAsync([ResourceWrite.Delete(key, expectedVersion)], cancellationToken);
        return result.Deleted.Count > 0 ? Deleted : ResourceWriteResult.NotFound;
    }
}
