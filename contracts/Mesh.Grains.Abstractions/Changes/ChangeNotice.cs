namespace Mesh.Grains.Changes;

/// <summary>
/// "The store has committed <see cref="Revision"/>", published by the silo that wrote it on the cluster's change stream.
/// Only a wake-up: each silo then reads the change log after its own revision, so a lost notice delays a change by at
/// most one poll interval and loses nothing.
/// </summary>
[GenerateSerializer]
[Alias("mesh.changes.notice.v1")]
public sealed record ChangeNotice([property: Id(0)] long Revision, [property: Id(1)] string Silo);

/// <summary>Names of the cluster's change stream.</summary>
public static class ChangeStream
{
    public const string Provider = "mesh-changes";

    public const string Namespace = "mesh.changes";

    /// <summary>One stream for the whole cluster: every silo needs every notice, and subscribes once.</summary>
    public const string Key = "all";
}

/// <summary>
/// One per silo (key: the silo's <c>Mesh:SiloId</c>), active on that silo: holds the silo's one subscription to the
/// change stream and wakes its change feed for every notice.
/// </summary>
public interface IChangeRelayGrain : IGrainWithStringKey
{
    /// <summary>Subscribes if not subscribed (idempotent; also called periodically to heal a lost subscription).</summary>
    Task EnsureSubscribedAsync();

    /// <summary>Removes the subscription (graceful shutdown), so none piles up for a silo that is gone.</summary>
    Task UnsubscribeAsync();
}
