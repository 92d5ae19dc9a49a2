using System.Collections.Concurrent;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// Builds snapshot and delta frames from the cache, serialized once per (from, to, scope) and shared by every
/// subscriber in the same position. With thousands of subscribers at the same revision, one write costs one
/// serialization, not thousands.
/// </summary>
internal sealed class FrameBuilder(ResourceCache cache)
{
    private const int MaxCachedFrames = 512;

    private readonly ConcurrentDictionary<(long From, long To, string Scope), Lazy<PreparedFrame>> _frames = new();

    /// <summary>The frame that moves a subscriber at <paramref name="fromRevision"/> to the newest revision.</summary>
    public PreparedFrame Build(long fromRevision, SubscriptionScope scope, bool forceSnapshot)
    {
        // Most subscribers sit at the same revision: reuse the frame another subscriber already built.
        if (!forceSnapshot && _frames.TryGetValue((fromRevision, cache.Revision, scope.Key), out var ready) && ready.IsValueCreated)
        {
            return ready.Value;
        }

        if (!forceSnapshot && cache.TryGetChangesSince(fromRevision, out var to, out var changes))
        {
            return Cached((fromRevision, to, scope.Key), () => Delta(fromRevision, to, changes, scope));
        }

        // Copying every resource costs O(mesh) per subscriber (a large-object allocation at 100k resources); a
        // reconnect storm of thousands of subscribers in few scopes must reuse the frame instead.
        if (_frames.TryGetValue((-1, cache.Revision, scope.Key), out var snapshotFrame) && snapshotFrame.IsValueCreated)
        {
            return snapshotFrame.Value;
        }

        var snapshot = cache.Snapshot();
        return Cached((-1, snapshot.Revision, scope.Key), () => Snapshot(snapshot.Revision, snapshot.Resources, scope));
    }

    private PreparedFrame Cached((long, long, string) key, Func<PreparedFrame> build)
    {
        if (_frames.Count > MaxCachedFrames)
        {
            _frames.Clear();
        }

        return _frames.GetOrAdd(key, _ => new Lazy<PreparedFrame>(build)).Value;
    }

    private static PreparedFrame Delta(long from, long to, IReadOnlyList<Storage.Abstractions.ChangeEntry> changes, SubscriptionScope scope)
    {
        var upserts = new List<MeshResource>();
        var removals = new List<ResourceRemoval>();
        foreach (var change in changes)
        {
            if (change.Resource is null)
            {
                // The content is gone, so scope can't be judged; a removal of a key the subscriber lacks is harmless.
                removals.Add(new ResourceRemoval(change.Key.Kind, change.Key.Namespace, change.Key.Name, change.Revision));
            }
            else if (scope.Includes(change.Resource))
            {
                upserts.Add(change.Resource);
            }
        }

        return upserts.Count + removals.Count == 0
            ? new PreparedFrame(to, null, IsSnapshot: false, 0)
            : new PreparedFrame(to, Serialize(new DeltaFrame(from, to, upserts, removals)), IsSnapshot: false, upserts.Count + removals.Count);
    }

    private static PreparedFrame Snapshot(long revision, IReadOnlyList<MeshResource> resources, SubscriptionScope scope)
    {
        var included = resources.Where(scope.Includes).ToList();
        return new PreparedFrame(revision, Serialize(new SnapshotFrame(revision, included)), IsSnapshot: true, included.Count);
    }

    public static byte[] Serialize(SubscriptionFrame frame) => JsonSerializer.SerializeToUtf8Bytes(frame, MeshJson.Options);
}

/// <summary>A serialized frame that brings a subscriber to <see cref="Revision"/>; null bytes mean nothing in scope changed.</summary>
internal sealed record PreparedFrame(long Revision, byte[]? Bytes, bool IsSnapshot, int ResourceCount);
