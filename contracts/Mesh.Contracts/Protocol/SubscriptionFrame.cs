using System.Text.Json.Serialization;
using Mesh.Contracts.Resources;

namespace Mesh.Contracts.Protocol;

/// <summary>
/// One message of the subscription stream (one WebSocket text message, UTF-8 JSON). The <c>type</c> property
/// says which. See docs/protocol.md.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(HelloFrame), "hello")]
[JsonDerivedType(typeof(SnapshotFrame), "snapshot")]
[JsonDerivedType(typeof(DeltaFrame), "delta")]
[JsonDerivedType(typeof(AckFrame), "ack")]
[JsonDerivedType(typeof(NackFrame), "nack")]
[JsonDerivedType(typeof(HeartbeatFrame), "heartbeat")]
[JsonDerivedType(typeof(ErrorFrame), "error")]
[JsonDerivedType(typeof(ReconnectFrame), "reconnect")]
[JsonDerivedType(typeof(OutlierFrame), "outlier")]
public abstract record SubscriptionFrame;

/// <summary>Client → silo, first frame: who the subscriber is and the revision it already holds (0 for none).</summary>
public sealed record HelloFrame(NodeInfo Node, long Revision) : SubscriptionFrame;

/// <summary>Silo → client: the complete state at <see cref="Revision"/>. Replaces everything the client held.</summary>
public sealed record SnapshotFrame(long Revision, IReadOnlyList<MeshResource> Resources) : SubscriptionFrame;

/// <summary>Silo → client: what changed after <see cref="FromRevision"/> up to and including <see cref="Revision"/>.</summary>
public sealed record DeltaFrame(long FromRevision, long Revision, IReadOnlyList<MeshResource> Upserts, IReadOnlyList<ResourceRemoval> Removals) : SubscriptionFrame;

/// <summary>Client → silo: the configuration at <see cref="Revision"/> was accepted.</summary>
public sealed record AckFrame(long Revision) : SubscriptionFrame;

/// <summary>Client → silo: the configuration at <see cref="Revision"/> was rejected; the client keeps its previous one.</summary>
public sealed record NackFrame(long Revision, string Error) : SubscriptionFrame;

/// <summary>Either direction, when nothing else was sent for a heartbeat interval. Carries the sender's revision.</summary>
public sealed record HeartbeatFrame(long Revision) : SubscriptionFrame;

/// <summary>Silo → client, just before the silo closes the stream for a protocol error.</summary>
public sealed record ErrorFrame(string Error) : SubscriptionFrame;

/// <summary>
/// Silo → client, when the silo is shutting down: connect to another silo now, without backoff, resuming from the
/// held revision. The silo closes the stream right after.
/// </summary>
public sealed record ReconnectFrame(string Reason) : SubscriptionFrame;

/// <summary>
/// Client → silo: the subscriber's outlier detection ejected the registry endpoint <see cref="Namespace"/>/<see cref="Endpoint"/>
/// (until <see cref="Until"/>), or, with <see cref="Ejected"/> false, returned it. Informational only: the silo records
/// it for operators and never changes the endpoint's health or pushes anything because of it.
/// </summary>
public sealed record OutlierFrame(string Namespace, string Endpoint, bool Ejected, string? Reason, DateTimeOffset? Until) : SubscriptionFrame;

/// <summary>The subscriber's identity.</summary>
public sealed record NodeInfo
{
    /// <summary>Unique id of the subscriber, e.g. <c>reviews-v1-7f9c</c>.</summary>
    public string Id { get; init; } = "";

    public string Namespace { get; init; } = "default";

    /// <summary>Service the workload belongs to, if any.</summary>
    public string? Service { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>
    /// Hosts this subscriber depends on (Istio Sidecar egress hosts, e.g. <c>default/reviews</c> or <c>*/ratings</c>).
    /// Null means everything.
    /// </summary>
    public IReadOnlyList<string>? Dependencies { get; init; }
}
