namespace Mesh.Grains.Registry;

/// <summary>
/// Expires endpoint leases for the whole cluster (key 0): one activation, so one silo sweeps instead of every silo
/// racing for the same rows. A timer sweeps every <c>Mesh:LeaseSweepInterval</c>; a reminder is the durable backstop
/// that brings it back after a full cluster restart, and every silo's activation keeper brings it back within a
/// second after the silo holding it dies.
/// </summary>
public interface ILeaseExpiryGrain : IGrainWithIntegerKey
{
    /// <summary>Activates the sweeper if needed and tells which silo runs it.</summary>
    Task<string> EnsureActiveAsync();
}
