using Mesh.Contracts.Resources;

namespace Mesh.Storage.Abstractions;

public enum WriteOperation
{
    /// <summary>Create or replace; with an expected version, replace only that version.</summary>
    Upsert,

    /// <summary>Create only; conflicts when the resource exists.</summary>
    Create,

    Delete,
}

/// <summary>
/// One write. For upserts <see cref="Resource"/> carries the new content (its metadata.resourceVersion is ignored:
/// use <see cref="ExpectedVersion"/>). <see cref="LeaseExpiresAt"/> sets the lease of an upserted resource.
/// </summary>
public sealed record ResourceWrite(WriteOperation Operation, ResourceKey Key, MeshResource? Resource, long? ExpectedVersion = null, DateTimeOffset? LeaseExpiresAt = null)
{
    public static ResourceWrite Upsert(MeshResource resource, long? expectedVersion = null, DateTimeOffset? leaseExpiresAt = null) =>
        new(WriteOperation.Upsert, resource.Key, resource, expectedVersion, leaseExpiresAt);

    public static ResourceWrite Create(MeshResource resource, DateTimeOffset? leaseExpiresAt = null) =>
        new(WriteOperation.Create, resource.Key, resource, null, leaseExpiresAt);

    public static ResourceWrite Delete(ResourceKey key, long? expectedVersion = null) =>
        new(WriteOperation.Delete, key, null, expectedVersion);
}

/// <summary>The revision the write committed at, and the stored resources (deleted ones are absent).</summary>
public sealed record WriteResult(long Revision, IReadOnlyList<MeshResource> Upserted, IReadOnlyList<ResourceKey> Deleted);

/// <summary>A resource plus what the store keeps beside it.</summary>
public sealed record StoredResource(MeshResource Resource, DateTimeOffset? LeaseExpiresAt);

public sealed record StoreSnapshot(long Revision, IReadOnlyList<StoredResource> Resources);

/// <summary>One change-log entry. <see cref="Resource"/> is null for a deletion.</summary>
public sealed record ChangeEntry(long Revision, ResourceKey Key, MeshResource? Resource);

/// <summary>
/// A page of the change log. <see cref="Revision"/> is the newest revision the page covers (equal to the request's
/// revision when nothing is new). <see cref="Compacted"/> means the requested position is gone.
/// </summary>
public sealed record ChangePage(long Revision, IReadOnlyList<ChangeEntry> Changes, bool Compacted, bool HasMore);

/// <summary>A write was refused because of the resource's current state (409).</summary>
public sealed class StoreConflictException(ResourceKey key, string message) : Exception(message)
{
    public ResourceKey Key { get; } = key;
}

/// <summary>The store cannot be reached (503). Nothing was written.</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
