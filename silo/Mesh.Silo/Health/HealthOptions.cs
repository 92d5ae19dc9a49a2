namespace Mesh.Silo.Health;

/// <summary>Active health checking (section <c>Mesh:Health</c>). docs/operations.md lists every setting.</summary>
internal sealed record HealthOptions
{
    /// <summary>When false this silo does not probe (its partitions still activate, so the cluster can use it).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Number of partitions endpoints hash into; every silo of a cluster must use the same value.</summary>
    public int Shards { get; init; } = 64;

    /// <summary>
    /// How often every silo asks every partition to be active: the bound on how long a dead silo's partitions wait for
    /// re-activation once Orleans has declared it dead, and on how soon a joining silo gets its share.
    /// </summary>
    public TimeSpan PartitionCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Probes one silo runs at the same time.</summary>
    public int MaxConcurrentProbes { get; init; } = 256;

    /// <summary>Flap damping of health transitions (section <c>Mesh:Health:Damping</c>).</summary>
    public DampingOptions Damping { get; init; } = new();
}

/// <summary>
/// Route-flap damping as in RFC 2439: each transition adds <see cref="Penalty"/>; the penalty halves every
/// <see cref="HalfLife"/>. Above <see cref="SuppressLimit"/> the endpoint is held Unhealthy until the penalty falls
/// below <see cref="ReuseLimit"/>. <see cref="MaxPenalty"/> caps how long a hold can last (here 3 half-lives).
/// </summary>
internal sealed record DampingOptions
{
    public double Penalty { get; init; } = 1000;

    public double SuppressLimit { get; init; } = 2000;

    public double ReuseLimit { get; init; } = 750;

    public double MaxPenalty { get; init; } = 6000;

    public TimeSpan HalfLife { get; init; } = TimeSpan.FromSeconds(30);
}
