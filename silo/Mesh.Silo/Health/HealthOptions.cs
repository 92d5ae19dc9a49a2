namespace Mesh.Silo.Health;

/// <summary>Active health checking (section <c>Mesh:Health</c>). docs/operations.md lists every setting.</summary>
internal sealed record HealthOptions
{
    /// <summary>When false this silo neither holds shards nor probes.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Number of shards endpoints hash into; every silo of a cluster must use the same value.</summary>
    public int Shards { get; init; } = 64;

    /// <summary>Lease length; renewed every third of it. A dead silo's shards move within two lease periods.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(6);

    /// <summary>Probes one silo runs at the same time.</summary>
    public int MaxConcurrentProbes { get; init; } = 256;

    /// <summary>Flap damping of health transitions (section <c>Mesh:Health:Damping</c>).</summary>
    public DampingOptions Damping { get; init; } = new();

    public TimeSpan RenewInterval => LeaseDuration / 3;
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
