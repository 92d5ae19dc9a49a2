namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// Which endpoints one selection pass may choose (zone, ejection or a Retry-After cooldown, the endpoint a retry moves
/// away from). The last pass of a selection includes ejected and cooling endpoints rather than failing (panic mode).
/// </summary>
internal readonly struct EndpointFilter(long nowTicks, bool localOnly, EndpointRuntime? exclude, bool includeEjected)
{
    /// <summary>The time of this selection, UTC ticks.</summary>
    public long NowTicks => nowTicks;

    public bool Accepts(EndpointRuntime endpoint) =>
        endpoint.RegistryHealthy
        && (!localOnly || endpoint.InLocalZone)
        && !ReferenceEquals(endpoint, exclude)
        && (includeEjected || (!endpoint.State.IsEjected(nowTicks) && !endpoint.State.IsCoolingDown(nowTicks)));
}
