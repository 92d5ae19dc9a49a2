using Mesh.Contracts.Cluster;
using Mesh.Contracts.Resources;

namespace Mesh.Storage.Abstractions;

/// <summary>
/// The control plane's durable state: resources, a revision-ordered change log and subscriber status (silo
/// membership is Orleans'). Every implementation passes the same contract tests (tests/Mesh.Tests/Storage).
/// </summary>
public interface IMeshStore
{
    /// <summary>Creates the schema (migrations) if needed. Safe to call from several silos at once.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);

    /// <summary>True when the store is reachable and initialized.</summary>
    Task<bool> IsReadyAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Applies the writes atomically: all or none. Each successful write gets the same new revision, which becomes
    /// the resource version. Throws <see cref="StoreConflictException"/> for a stale version, a create of an
    /// existing resource or a conditional delete of a missing one, and <see cref="StoreUnavailableException"/> when
    /// the database cannot be reached. A delete of a missing resource without an expected version is a no-op.
    /// </summary>
    Task<WriteResult> WriteAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken);

    Task<StoredResource?> GetAsync(ResourceKey key, CancellationToken cancellationToken);

    /// <summary>Resources of one kind, optionally one namespace, ordered by namespace then name.</summary>
    Task<IReadOnlyList<StoredResource>> ListAsync(string kind, string? @namespace, CancellationToken cancellationToken) =>
        ListAsync(new ResourceQuery(kind) { Namespace = @namespace }, cancellationToken);

    /// <summary>The resources <paramref name="query"/> selects, ordered by namespace then name, as one consistent read.</summary>
    Task<IReadOnlyList<StoredResource>> ListAsync(ResourceQuery query, CancellationToken cancellationToken);

    /// <summary>Every resource and the revision they are consistent at.</summary>
    Task<StoreSnapshot> ReadSnapshotAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Changes with revision greater than <paramref name="afterRevision"/>, oldest first, at most
    /// <paramref name="limit"/> revisions' worth (a revision is never split across pages). When the log no longer
    /// holds <paramref name="afterRevision"/> + 1 the page says <see cref="ChangePage.Compacted"/> and the caller
    /// must read a snapshot.
    /// </summary>
    Task<ChangePage> ReadChangesAsync(long afterRevision, int limit, CancellationToken cancellationToken);

    /// <summary>The newest committed revision.</summary>
    Task<long> GetRevisionAsync(CancellationToken cancellationToken);

    /// <summary>Sets the lease of existing resources; returns the keys that do not exist. Does not create a revision.</summary>
    Task<IReadOnlyList<ResourceKey>> RenewLeasesAsync(IReadOnlyList<ResourceKey> keys, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes up to <paramref name="limit"/> resources of <paramref name="partition"/> whose lease expired before
    /// <paramref name="now"/>, as one write.
    /// </summary>
    Task<IReadOnlyList<ResourceKey>> ExpireLeasesAsync(DateTimeOffset now, int limit, LeasePartition partition, CancellationToken cancellationToken);

    /// <summary>The earliest lease expiry in <paramref name="partition"/>, or null when it holds no leased resource.</summary>
    Task<DateTimeOffset?> NextLeaseExpiryAsync(LeasePartition partition, CancellationToken cancellationToken);

    /// <summary>Drops change-log entries at or below <paramref name="upToRevision"/>; returns the new compaction point.</summary>
    Task<long> CompactAsync(long upToRevision, CancellationToken cancellationToken);

    /// <summary>Removes the status rows (and outlier reports) of subscribers connected to silos that are gone.</summary>
    Task<int> RemoveSubscribersOfSilosAsync(IReadOnlyList<string> siloIds, CancellationToken cancellationToken);

    /// <summary>Replaces the status rows of the given subscribers (one silo's batch).</summary>
    Task UpsertSubscribersAsync(IReadOnlyList<SubscriberStatus> subscribers, CancellationToken cancellationToken);

    Task RemoveSubscribersAsync(IReadOnlyList<string> subscriberIds, CancellationToken cancellationToken);

    Task<IReadOnlyList<SubscriberStatus>> ListSubscribersAsync(CancellationToken cancellationToken);
}
