using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Storage.Postgres.Writes;

/// <summary>
/// Decides a batch of write requests in memory, on top of the versions and leases read (and row-locked) at the
/// start of the batch's transaction. Requests apply in order, each atomically with its own revision; a request
/// that breaks <see cref="StoreRules"/> is refused alone and leaves nothing behind, so the batch needs no savepoints.
/// The result is the final state of every touched row plus the change-log rows to write.
/// </summary>
internal sealed class WriteBatchPlan
{
    private readonly Dictionary<ResourceKey, Slot> _current;
    private readonly Dictionary<ResourceKey, Slot> _touched = [];

    public WriteBatchPlan(long baseRevision, IReadOnlyDictionary<ResourceKey, (long Version, DateTimeOffset? Lease)> existing)
    {
        BaseRevision = baseRevision;
        Revision = baseRevision;
        _current = existing.ToDictionary(e => e.Key, e => new Slot(true, e.Value.Version, e.Value.Lease, null));
    }

    public long BaseRevision { get; }

    /// <summary>The newest revision handed out so far.</summary>
    public long Revision { get; private set; }

    public List<(WriteRequest Request, WriteResult Result)> Accepted { get; } = [];

    public List<(WriteRequest Request, Exception Error)> Refused { get; } = [];

    public List<(long Revision, ResourceKey Key, bool Deleted)> Changes { get; } = [];

    /// <summary>Rows to insert or replace: the final content of every resource the batch leaves in place.</summary>
    public IEnumerable<(MeshResource Resource, DateTimeOffset? Lease)> Upserts =>
        _touched.Values.Where(s => s.Exists).Select(s => (s.Resource!, s.Lease));

    /// <summary>Rows to delete: every resource the batch leaves absent.</summary>
    public IEnumerable<ResourceKey> Deletes => _touched.Where(t => !t.Value.Exists).Select(t => t.Key);

    public bool HasChanges => Changes.Count > 0;

    public void Add(WriteRequest request)
    {
        var pending = new Dictionary<ResourceKey, Slot>();
        Slot Current(ResourceKey key) =>
            pending.TryGetValue(key, out var staged) ? staged : Committed(key);

        try
        {
            foreach (var write in request.Writes)
            {
                var current = Current(write.Key);
                StoreRules.Check(write, current.Exists ? current.Version : null);
                pending[write.Key] = write.Operation == WriteOperation.Delete
                    ? Slot.Missing
                    : new Slot(true, write.Resource!.Version, write.LeaseExpiresAt ?? (write.Operation == WriteOperation.Upsert && current.Exists ? current.Lease : null), write.Resource);
            }
        }
        catch (Exception e) when (e is StoreConflictException or ArgumentException)
        {
            Refused.Add((request, e));
            return;
        }

        var changed = pending.Where(p => p.Value.Exists || Committed(p.Key).Exists).ToList();
        if (changed.Count == 0)
        {
            Accepted.Add((request, new WriteResult(Revision, [], [])));
            return;
        }

        var revision = ++Revision;
        var upserted = new List<MeshResource>();
        var deleted = new List<ResourceKey>();
        foreach (var (key, slot) in changed)
        {
            if (slot.Exists)
            {
                var resource = StoreRules.Stamp(slot.Resource!, revision);
                _touched[key] = slot with { Version = revision, Resource = resource };
                upserted.Add(resource);
            }
            else
            {
                _touched[key] = Slot.Missing;
                deleted.Add(key);
            }

            Changes.Add((revision, key, !slot.Exists));
        }

        Accepted.Add((request, new WriteResult(revision, upserted, deleted)));
    }

    private Slot Committed(ResourceKey key) =>
        _touched.TryGetValue(key, out var touched) ? touched : _current.GetValueOrDefault(key, Slot.Missing);

    private readonly record struct Slot(bool Exists, long Version, DateTimeOffset? Lease, MeshResource? Resource)
    {
        public static Slot Missing => default;
    }
}
