namespace Mesh.Sidecar.LoadBalancing;

/// <summary>Which endpoints one selection pass may choose (zone, ejection, the endpoint a retry moves away from).</summary>
internal readonly struct EndpointFilter(long nowTicks, bool localOnly, EndpointRuntime? exclude, bool includeEjected)
{
    /// <summary>The time of this selection, UTC ticks.</summary>
    public long NowTicks => nowTicks;

    public bool Accepts(EndpointRuntime endpoint) =>
        endpoint.RegistryHealthy
        && (!localOnly || endpoint.InLocalZone)
        && !ReferenceEquals(endpoint, exclude)
        && (includeEjected || !endpoint.State.IsEjected(nowTicks));
}
