using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Grains.Resources;
using Orleans.Concurrency;

namespace Mesh.Grains.Registry;

/// <summary>
/// One service of the registry (key: <c>namespace/service</c>): the only writer of its <c>Service</c> resource and of
/// the <c>Endpoint</c> resources registered for it. Orleans keeps one activation per service in the cluster, so every
/// write to a service and its endpoints, arriving at any silo, goes through one place; the activations of 5,000
/// services spread over the silos. Resources reach it validated; it stores them (PostgreSQL is its persistence, under
/// the global revision) and announces the change.
/// </summary>
public interface IServiceRegistryGrain : IGrainWithStringKey
{
    /// <summary>Creates (<paramref name="createOnly"/>) or updates the service, expecting its metadata's resource version if set.</summary>
    Task<ResourceWriteResult> WriteServiceAsync([Immutable] MeshResource service, bool createOnly, CancellationToken cancellationToken = default);

    Task<ResourceWriteResult> DeleteServiceAsync(long? expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Stores an endpoint of this service with its lease, if any, and tells the endpoint's health partition when it ends.</summary>
    Task<ResourceWriteResult> RegisterEndpointAsync([Immutable] MeshResource endpoint, DateTimeOffset? leaseExpiresAt, bool createOnly, CancellationToken cancellationToken = default);

    Task<ResourceWriteResult> DeregisterEndpointAsync(string name, long? expectedVersion, CancellationToken cancellationToken = default);

    /// <summary>Sets an endpoint's health as an operator reports it (not a probe verdict).</summary>
    Task<ResourceWriteResult> SetEndpointHealthAsync(string name, EndpointHealth health, CancellationToken cancellationToken = default);

    /// <summary>Where the service's one activation runs (activating it if needed).</summary>
    Task<OwnerPlacement> WhereAsync();
}

/// <summary>The silo holding an owning grain's activation, and since when.</summary>
[GenerateSerializer]
[Alias("mesh.resources.owner-placement.v1")]
public sealed record OwnerPlacement([property: Id(0)] string Silo, [property: Id(1)] DateTimeOffset ActivatedAt);

/// <summary>The key of a service's registry grain.</summary>
public static class ServiceRegistryKey
{
    public static string For(string @namespace, string service) => @namespace + "/" + service;

    /// <summary>Namespaces and names are DNS-1123 labels, so the first '/' separates them.</summary>
    public static (string Namespace, string Service) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }
}
