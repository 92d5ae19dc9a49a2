using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Cache;

/// <summary>
/// This silo's in-memory copy of every resource, kept current by <see cref="ChangeFeedService"/>, plus the recent
/// change log so subscribers get deltas without touching the database. Subscribers are served only from here,
/// which is what lets one silo push to thousands of sidecars.
/// </summary>
internal sealed class ResourceCache(TimeProvider timeProvider, SiloOptions options)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ResourceKey, MeshResource> _resources = [];

    // The same resources by kind, so a reader that needs one kind (exports, external hosts) does not copy them all.
    private readonly Dictionary<string, Dictionary<ResourceKey, MeshResource>> _byKind = [];
    private readonly List<ChangeEntry> _recent = [];

    // Parallel to _recent: the resource each change replaced (null when the key did not exist), so a delta can tell
    // whether a resource that now falls outside a subscriber's scope was inside it before.
    private readonly List<MeshResource?> _replaced = [];
    private readonly Dictionary<long, long> _appliedAt = [];
    private TaskCompletionSource _changed = NewSignal();
    private long _revision;
    private long _deltaBase;
    private bool _loaded;
    private readonly TaskCompletionSource _firstLoad = NewSignal();

    public long Revision => Volatile.Read(ref _revision);

    public bool IsLoaded => Volatile.Read(ref _loaded);

    /// <summary>Completes once the store is migrated and the first snapshot is loaded.</summary>
    public Task Loaded => _firstLoad.Task;

    /// <summary>Completes when the cache moves past its current revision.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public void LoadSnapshot(StoreSnapshot snapshot)
    {
        lock (_gate)
        {
            _resources.Clear();
            _byKind.Clear();
            foreach (var stored in snapshot.Resources)
            {
                SetLocked(stored.Resource.Key, stored.Resource);
            }

            _recent.Clear();
            _replaced.Clear();
            _appliedAt.Clear();
            _deltaBase = snapshot.Revision;
            _revision = snapshot.Revision;
            _loaded = true;
            _firstLoad.TrySetResult();
            SignalLocked();
        }
    }

    public void Apply(ChangePage page)
    {
        if (page.Revision <= Revision && page.Changes.Count == 0)
        {
            return;
        }

        lock (_gate)
        {
            var now = timeProvider.GetTimestamp();
            foreach (var change in page.Changes)
            {
                if (change.Revision <= _revision)
                {
                    continue;
                }

                _replaced.Add(_resources.GetValueOrDefault(change.Key));
                SetLocked(change.Key, change.Resource);

                _recent.Add(change);
                _appliedAt.TryAdd(change.Revision, now);
            }

            _revision = Math.Max(_revision, page.Revision);
            TrimLocked();
            SignalLocked();
        }
    }

    /// <summary>One resource at the current revision, or null.</summary>
    public MeshResource? Get(ResourceKey key)
    {
        lock (_gate)
        {
            return _resources.GetValueOrDefault(key);
        }
    }

    /// <summary>Whether the resource exists at the current revision.</summary>
    public bool Contains(ResourceKey key) => Get(key) is not null;

    /// <summary>Every resource of one kind at the current revision.</summary>
    public IReadOnlyList<MeshResource> OfKind(string kind)
    {
        lock (_gate)
        {
            return _byKind.TryGetValue(kind, out var ofKind) ? [.. ofKind.Values] : [];
        }
    }

    private void SetLocked(ResourceKey key, MeshResource? resource)
    {
        if (resource is null)
        {
            _resources.Remove(key);
            if (_byKind.TryGetValue(key.Kind, out var ofKind))
            {
                ofKind.Remove(key);
            }

            return;
        }

        _resources[key] = resource;
        if (!_byKind.TryGetValue(key.Kind, out var kind))
        {
            _byKind[key.Kind] = kind = [];
        }

        kind[key] = resource;
    }

    /// <summary>Every resource at the current revision.</summary>
    public (long Revision, IReadOnlyList<MeshResource> Resources) Snapshot()
    {
        lock (_gate)
        {
            return (_revision, _resources.Values.ToList());
        }
    }

    /// <summary>
    /// The net change from <paramref name="fromRevision"/> to the current revision, one entry per key (latest wins,
    /// with the resource the key held at <paramref name="fromRevision"/>), or false when the recent log no longer
    /// reaches back that far and the caller needs a snapshot.
    /// </summary>
    public bool TryGetChangesSince(long fromRevision, out long toRevision, out IReadOnlyList<NetChange> changes)
    {
        lock (_gate)
        {
            toRevision = _revision;
            if (fromRevision < _deltaBase || fromRevision > _revision)
            {
                changes = [];
                return false;
            }

            var latest = new Dictionary<ResourceKey, NetChange>();
            for (var i = FirstAfter(fromRevision); i < _recent.Count; i++)
            {
                var before = latest.TryGetValue(_recent[i].Key, out var earlier) ? earlier.Before : _replaced[i];
                latest[_recent[i].Key] = new NetChange(_recent[i], before);
            }

            changes = latest.Values.ToList();
            return true;
        }
    }

    /// <summary>When this silo applied <paramref name="revision"/> (a <see cref="TimeProvider"/> timestamp), for push latency.</summary>
    public long? AppliedAt(long revision)
    {
        lock (_gate)
        {
            return _appliedAt.TryGetValue(revision, out var at) ? at : null;
        }
    }

    private int FirstAfter(long revision)
    {
        int lo = 0, hi = _recent.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (_recent[mid].Revision <= revision)
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

    private void TrimLocked()
    {
        var excess = _recent.Count - options.RecentChangesRetained;
        if (excess <= 0)
        {
            return;
        }

        // Never split a revision: deltas from the new base must be complete.
        var cut = excess;
        while (cut < _recent.Count && _recent[cut].Revision == _recent[cut - 1].Revision)
        {
            cut++;
        }

        _deltaBase = _recent[cut - 1].Revision;
        foreach (var entry in _recent.Take(cut))
        {
            _appliedAt.Remove(entry.Revision);
        }

        _recent.RemoveRange(0, cut);
        _replaced.RemoveRange(0, cut);
    }

    private void SignalLocked()
    {
        var previous = _changed;
        _changed = NewSignal();
        previous.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>A key's latest change since some revision, and what the key held at that revision (null: nothing).</summary>
internal sealed record NetChange(ChangeEntry Latest, MeshResource? Before);
