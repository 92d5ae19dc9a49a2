using System.Collections.Concurrent;
using Google.Protobuf;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// Builds the <see cref="Resources"/> responses of the subscription stream from the cache. A delta is serialized once
/// per (from, to, scope) and shared by every subscriber in the same position, so with thousands of subscribers at
/// the same revision one write costs one serialization, not thousands. The revisions are this silo's internal
/// position in its cache; on the wire they appear only inside the opaque nonce and the informational
/// <c>system_version_info</c>.
/// </summary>
internal sealed class ResponseBuilder(ResourceCache cache)
{
    private const int MaxCachedResponses = 512;

    private readonly ConcurrentDictionary<(long From, long To, string Scope), Lazy<PreparedResponse>> _responses = new();

    /// <summary>
    /// The first response of a stream: what differs between the versions the client holds and this silo's cache in
    /// the client's scope. Clients that hold nothing in the same scope share one serialized response.
    /// </summary>
    public PreparedResponse Initial(IReadOnlyDictionary<ResourceKey, long> held, SubscriptionScope scope)
    {
        if (held.Count == 0 && _responses.TryGetValue((-1, cache.Revision, scope.Key), out var ready) && ready.IsValueCreated)
        {
            return ready.Value;
        }

        var (revision, resources) = cache.Snapshot();
        if (held.Count == 0)
        {
            return Cached((-1, revision, scope.Key), () => Build(revision, resources.Where(scope.Includes).ToList(), [], isInitial: true));
        }

        var upserts = new List<MeshResource>();
        var current = new HashSet<ResourceKey>();
        foreach (var resource in resources)
        {
            if (!scope.Includes(resource))
            {
                continue;
            }

            current.Add(resource.Key);
            if (!held.TryGetValue(resource.Key, out var version) || version != resource.Version)
            {
                upserts.Add(resource);
            }
        }

        var removed = held.Keys.Where(key => !current.Contains(key)).ToList();
        return Build(revision, upserts, removed, isInitial: true);
    }

    /// <summary>
    /// The net change from <paramref name="fromRevision"/> to the newest revision; null when this silo's change
    /// history no longer reaches back that far (the subscriber must resubscribe with the versions it holds).
    /// </summary>
    public PreparedResponse? Next(long fromRevision, SubscriptionScope scope)
    {
        // Most subscribers sit at the same revision: reuse the response another subscriber already built.
        if (_responses.TryGetValue((fromRevision, cache.Revision, scope.Key), out var ready) && ready.IsValueCreated)
        {
            return ready.Value;
        }

        if (!cache.TryGetChangesSince(fromRevision, out var to, out var changes))
        {
            return null;
        }

        return Cached((fromRevision, to, scope.Key), () =>
        {
            var upserts = new List<MeshResource>();
            var removed = new List<ResourceKey>();
            foreach (var (change, before) in changes)
            {
                if (change.Resource is null)
                {
                    // The content is gone, so scope can't be judged; a removal of a key the subscriber lacks is harmless.
                    removed.Add(change.Key);
                }
                else if (scope.Includes(change.Resource))
                {
                    upserts.Add(change.Resource);
                }
                else if (before is not null && scope.Includes(before))
                {
                    // It left the scope (e.g. a VirtualService now names another host): the subscriber holds a stale copy.
                    removed.Add(change.Key);
                }
            }

            return Build(to, upserts, removed, isInitial: false);
        });
    }

    private PreparedResponse Cached((long, long, string) key, Func<PreparedResponse> build)
    {
        if (_responses.Count > MaxCachedResponses)
        {
            _responses.Clear();
        }

        return _responses.GetOrAdd(key, _ => new Lazy<PreparedResponse>(build)).Value;
    }

    private static PreparedResponse Build(long revision, IReadOnlyList<MeshResource> upserts, IReadOnlyList<ResourceKey> removed, bool isInitial)
    {
        if (upserts.Count + removed.Count == 0 && !isInitial)
        {
            return new PreparedResponse(revision, null, isInitial, 0);
        }

        var message = new Resources { Nonce = Nonce(revision), SystemVersionInfo = WireResources.Version(revision) };
        message.Resources_.AddRange(upserts.Select(WireResources.ToWire));
        message.RemovedResources.AddRange(removed.Select(WireResources.Key));
        var bytes = new SubscribeResponse { Resources = message }.ToByteArray();
        return new PreparedResponse(revision, bytes, isInitial, upserts.Count + removed.Count);
    }

    /// <summary>
    /// A stream's responses move strictly forward through the cache's revisions, so the revision is a nonce unique
    /// on the stream, and the same for every subscriber sharing the bytes. Clients treat it as opaque.
    /// </summary>
    public static string Nonce(long revision) => WireResources.Version(revision);

    public static byte[] Reconnect(string reason) => new SubscribeResponse { Reconnect = new Reconnect { Reason = reason } }.ToByteArray();
}

/// <summary>
/// A serialized <see cref="SubscribeResponse"/> that brings a subscriber to <see cref="Revision"/>; null bytes mean
/// nothing in scope changed.
/// </summary>
internal sealed record PreparedResponse(long Revision, byte[]? Bytes, bool IsInitial, int ResourceCount);
