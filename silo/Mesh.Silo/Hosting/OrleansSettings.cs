namespace Mesh.Silo;

/// <summary>
/// The Orleans side of a silo (section <c>Mesh:Orleans</c>). docs/operations.md explains each setting and the
/// failure-detection trade-off.
/// </summary>
internal sealed record OrleansSettings
{
    /// <summary>Silos with the same cluster id and service id on the same database form one cluster.</summary>
    public string ClusterId { get; init; } = "mesh";

    /// <summary>Names the stored grain state and reminders; keep it across deployments so state survives them.</summary>
    public string ServiceId { get; init; } = "mesh";

    /// <summary>Silo-to-silo port; 0 takes a free port at start (it is published in the membership table).</summary>
    public int SiloPort { get; init; }

    /// <summary>The address other silos reach this one at.</summary>
    public string AdvertisedAddress { get; init; } = "127.0.0.1";

    /// <summary>Initial timeout of one liveness probe between silos (Orleans adapts it to measured round trips).</summary>
    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes after which a silo suspects another.</summary>
    public int MissedProbesLimit { get; init; } = 3;

    /// <summary>Suspicions needed to declare a silo dead.</summary>
    public int VotesForDeathDeclaration { get; init; } = 1;

    /// <summary>How often a silo writes its "I am alive" time into the membership table (diagnostics, stale rows).</summary>
    public TimeSpan IAmAliveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the change stream's queue is read: the wait a change notice can add between silos. Each read of an
    /// empty in-memory queue is cheap.
    /// </summary>
    public TimeSpan StreamPollPeriod { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>How long a grain call waits for its answer before it fails (and the API answers 503).</summary>
    public TimeSpan ResponseTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
