using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;
using Mesh.Silo;
using Mesh.Silo.Cache;
using Mesh.Silo.Subscriptions;
using Mesh.Sidecar.State;
using Mesh.Storage.Abstractions;

namespace Mesh.Tests.Properties;

/// <summary>
/// One subscription run in process with the real code of both ends and no transport: the silo's
/// <see cref="ResourceCache"/> and <see cref="ResponseBuilder"/> (what <c>SubscriptionSession</c> sends: the initial
/// response for the versions held, then the net change since the last response, or a resubscribe when the change
/// history no longer reaches back), serialized and parsed as protobuf, applied by the sidecar's
/// <see cref="ResourceState"/>.
/// </summary>
internal sealed class SubscriptionSimulation
{
    private readonly ResourceCache _cache;
    private readonly ResponseBuilder _builder;
    private readonly SubscriptionScope _scope;
    private long _revision;
    private long _sent = -1;

    public SubscriptionSimulation(SubscriptionCase run)
    {
        _cache = new ResourceCache(TimeProvider.System, new SiloOptions { RecentChangesRetained = run.RecentChangesRetained });
        _builder = new ResponseBuilder(_cache);
        _scope = SubscriptionScope.For(new NodeInfo { Id = "sub-1", Namespace = "default", Service = "a", Dependencies = run.Dependencies });
        var initial = run.Initial.Select(u => Resource(u, ++_revision)).ToList();
        _cache.LoadSnapshot(new StoreSnapshot(_revision, [.. initial.Select(r => new StoredResource(r, null))]));
    }

    /// <summary>What the sidecar holds.</summary>
    public ResourceState Held { get; private set; } = ResourceState.Empty;

    public void Write(SubscriptionStep step)
    {
        var revision = ++_revision;
        var change = step switch
        {
            Upsert u => new ChangeEntry(revision, Key(u.Kind, u.Namespace, u.Name), Resource(u, revision)),
            Delete d => new ChangeEntry(revision, Key(d.Kind, d.Namespace, d.Name), null),
            _ => throw new ArgumentOutOfRangeException(nameof(step), step, "not a write"),
        };
        _cache.Apply(new ChangePage(revision, [change], Compacted: false, HasMore: false));
    }

    /// <summary>A new stream: the subscriber sends the versions it holds and applies the first response.</summary>
    public void Subscribe()
    {
        var held = new Dictionary<ResourceKey, long>();
        foreach (var (key, version) in Held.HeldVersions(new Subscribe()).InitialResourceVersions)
        {
            Assert.True(WireResources.TryParseKey(key, out var parsed), key);
            Assert.True(WireResources.TryParseVersion(version, out var number), version);
            held[parsed] = number;
        }

        var response = _builder.Initial(held, _scope);
        Held = Receive(Held, response);
        _sent = response.Revision;
    }

    /// <summary>The session's send loop until the subscriber is current.</summary>
    public void Push()
    {
        while (_cache.Revision > _sent)
        {
            if (_builder.Next(_sent, _scope) is not { } next)
            {
                Subscribe();
                continue;
            }

            if (next.Bytes is not null)
            {
                Held = Receive(Held, next);
            }

            _sent = next.Revision;
        }
    }

    /// <summary>What a new subscriber with the same node would get now.</summary>
    public ResourceState FreshSnapshot() => Receive(ResourceState.Empty, _builder.Initial(new Dictionary<ResourceKey, long>(), _scope));

    /// <summary>Every resource the silo holds now that the subscriber's scope includes.</summary>
    public IReadOnlyList<MeshResource> InScope() => [.. _cache.Snapshot().Resources.Where(_scope.Includes)];

    /// <summary>A state as comparable text: one line per resource, key, version and body, in key order.</summary>
    public static string Describe(IEnumerable<MeshResource> resources) =>
        string.Join("\n", resources
            .Select(r => $"{r.Key} v{r.Version} {r.Spec.GetRawText()}")
            .Order(StringComparer.Ordinal));

    private static ResourceState Receive(ResourceState state, PreparedResponse response) =>
        state.Apply(SubscribeResponse.Parser.ParseFrom(response.Bytes).Resources);

    private static ResourceKey Key(string kind, string ns, string name) => new(kind, ns, name);

    private static MeshResource Resource(Upsert u, long version) => new()
    {
        ApiVersion = u.Kind is ResourceKinds.Service or ResourceKinds.Endpoint ? ResourceKinds.MeshApiVersion
            : u.Kind == ResourceKinds.AuthorizationPolicy ? "security.istio.io/v1" : "networking.istio.io/v1",
        Kind = u.Kind,
        Metadata = new ResourceMetadata { Name = u.Name, Namespace = u.Namespace, ResourceVersion = version },
        Spec = JsonSerializer.SerializeToElement(u.Kind switch
        {
            ResourceKinds.Service => new JsonObject { ["ports"] = new JsonArray(new JsonObject { ["name"] = "http", ["port"] = 80 }), ["serviceAccount"] = u.Target },
            ResourceKinds.Endpoint => new JsonObject { ["service"] = u.Target, ["address"] = "10.0.0.1", ["port"] = 80 },
            ResourceKinds.VirtualService => new JsonObject { ["hosts"] = new JsonArray(u.Target) },
            ResourceKinds.DestinationRule => new JsonObject { ["host"] = u.Target },
            _ => new JsonObject { ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = u.Target } } },
        }),
    };
}
