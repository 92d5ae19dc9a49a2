using Mesh.Contracts.Cluster;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Storage.InMemory;

/// <summary>
/// The embedded store of a single silo started without a database. Same contract as the Postgres store, nothing
/// survives a restart. One lock serializes writes, which is what gives revisions their order.
/// </summary>
internal sealed partial class InMemoryMeshStore(TimeProvider timeProvider) : IMeshStore, IOutlierReportStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKey, StoredResource> _resources = [];
    private readonly List<ChangeEntry> _log = [];
    private readonly Dictionary<string, SubscriberStatus> _subscribers = [];
    private long _revision;
    private long _compactedRevision;

    public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<WriteResult> WriteAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        WriteResult result;
        try
        {
            lock (_gate)
            {
                result = ApplyLocked(writes);
            }
        }
        catch (Exception e) when (e is StoreConflictException or ArgumentException)
        {
            // Like any async store: a refused write is a faulted task, never a synchronous throw.
            return Task.FromException<WriteResult>(e);
        }

        return Task.FromResult(result);
    }

    private WriteResult ApplyLocked(IReadOnlyList<ResourceWrite> writes)
    {
        // Validate everything first so a refused write leaves nothing behind.
        var pending = new Dictionary<ResourceKey, StoredResource?>();
        StoredResource? Current(ResourceKey key) =>
            pending.TryGetValue(key, out var staged) ? staged : _resources.GetValueOrDefault(key);

        foreach (var write in writes)
        {
            var current = Current(write.Key);
            StoreRules.Check(write, current?.Resource.Version);
            pending[write.Key] = write.Operation == WriteOperation.Delete
                ? null
                : new StoredResource(write.Resource!, write.LeaseExpiresAt ?? (write.Operation == WriteOperation.Upsert ? current?.LeaseExpiresAt : null));
        }

        var changed = pending.Where(p => p.Value is not null || _resources.ContainsKey(p.Key)).ToList();
        if (changed.Count == 0)
        {
            return new WriteResult(_revision, [], []);
        }

        var revision = ++_revision;
        var upserted = new List<MeshResource>();
        var deleted = new List<ResourceKey>();
        foreach (var (key, stored) in changed)
        {
            if (stored is null)
            {
                _resources.Remove(key);
                _log.Add(new ChangeEntry(revision, key, null));
                deleted.Add(key);
            }
            else
            {
                var resource = StoreRules.Stamp(stored.Resource, revision);
                _resources[key] = stored with { Resource = resource };
                _log.Add(new ChangeEntry(revision, key, resource));
                upserted.Add(resource);
            }
        }

        return new WriteResult(revision, upserted, deleted);
    }

    public Task<StoredResource?> GetAsync(ResourceKey key, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_resources.GetValueOrDefault(key));
        }
    }

    public Task<IReadOnlyList<StoredResource>> ListAsync(ResourceQuery query, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<StoredResource> list = _resources.Values
                .Where(r => query.Matches(r.Resource))
                .OrderBy(r => r.Resource.Key.Namespace, StringComparer.Ordinal)
                .ThenBy(r => r.Resource.Key.Name, StringComparer.Ordinal)
                .Take(query.Limit ?? int.MaxValue)
                .ToList();
            return Task.FromResult(list);
        }
    }

    public Task<StoreSnapshot> ReadSnapshotAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(new StoreSnapshot(_revision, _resources.Values.ToList()));
        }
    }

    public Task<ChangePage> ReadChangesAsync(long afterRevision, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (afterRevision < _compactedRevision || afterRevision > _revision)
            {
                return Task.FromResult(new ChangePage(_revision, [], Compacted: true, HasMore: false));
            }

            limit = Math.Max(1, limit);
            var start = LowerBound(afterRevision + 1);
            var changes = new List<ChangeEntry>();
            var last = afterRevision;
            var hasMore = false;
            for (var i = start; i < _log.Count; i++)
            {
                var entry = _log[i];
                if (entry.Revision != last && changes.Count >= limit)
                {
                    hasMore = true;
                    break;
                }

                changes.Add(entry);
                last = entry.Revision;
            }

            return Task.FromResult(new ChangePage(hasMore ? last : _revision, changes, false, hasMore));
        }
    }

    private int LowerBound(long revision)
    {
        int lo = 0, hi = _log.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_log[mid].Revision < revision)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }

        return lo;
    }

    public Task<long> GetRevisionAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_revision);
        }
    }

    public Task<IReadOnlyList<ResourceKey>> RenewLeasesAsync(IReadOnlyList<ResourceKey> keys, DateTimeOffset expiresAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var missing = new List<ResourceKey>();
            foreach (var key in keys)
            {
                if (_resources.TryGetValue(key, out var stored))
                {
                    _resources[key] = stored with { LeaseExpiresAt = expiresAt };
                }
                else
                {
                    missing.Add(key);
                }
            }

            return Task.FromResult<IReadOnlyList<ResourceKey>>(missing);
        }
    }

    public Task<DateTimeOffset?> NextLeaseExpiryAsync(LeasePartition partition, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_resources.Values
                .Where(r => r.LeaseExpiresAt is not null && partition.Contains(r.Resource.Key))
                .Min(r => r.LeaseExpiresAt));
        }
    }

    public Task<IReadOnlyList<ResourceKey>> ExpireLeasesAsync(DateTimeOffset now, int limit, LeasePartition partition, CancellationToken cancellationToken)
    {
        WriteResult result;
        lock (_gate)
        {
            // Scan and delete under one lock, so a lease renewed in between is never deleted.
            var deletes = _resources.Values
                .Where(r => r.LeaseExpiresAt is { } expiry && expiry < now && partition.Contains(r.Resource.Key))
                .OrderBy(r => r.LeaseExpiresAt)
                .Take(limit)
                .Select(r => ResourceWrite.Delete(r.Resource.Key))
                .ToList();
            if (deletes.Count == 0)
            {
                return Task.FromResult<IReadOnlyList<ResourceKey>>([]);
            }

            result = ApplyLocked(deletes);
        }

        return Task.FromResult(result.Deleted);
    }

    public Task<long> CompactAsync(long upToRevision, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var target = Math.Min(upToRevision, _revision);
            if (target > _compactedRevision)
            {
                _log.RemoveRange(0, LowerBound(target + 1));
                _compactedRevision = target;
            }

            return Task.FromResult(_compactedRevision);
        }
    }

    public Task<int> RemoveSubscribersOfSilosAsync(IReadOnlyList<string> siloIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var gone = _subscribers.Values.Where(s => siloIds.Contains(s.SiloId)).ToList();
            foreach (var subscriber in gone)
            {
                _subscribers.Remove(subscriber.Id);
                DropReportsLocked(subscriber.Id);
            }

            return Task.FromResult(gone.Count);
        }
    }

    public Task UpsertSubscribersAsync(IReadOnlyList<SubscriberStatus> subscribers, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var subscriber in subscribers)
            {
                _subscribers[subscriber.Id] = subscriber;
            }
        }

        return Task.CompletedTask;
    }

    public Task RemoveSubscribersAsync(IReadOnlyList<string> subscriberIds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var id in subscriberIds)
            {
                _subscribers.Remove(id);
                DropReportsLocked(id);
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<SubscriberStatus>> ListSubscribersAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<SubscriberStatus>>(_subscribers.Values.OrderBy(s => s.Id, StringComparer.Ordinal).ToList());
        }
    }

    internal DateTimeOffset Now => timeProvider.GetUtcNow();
}
