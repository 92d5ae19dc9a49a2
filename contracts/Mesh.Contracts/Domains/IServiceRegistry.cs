using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Contracts.Domains;

/// <summary>The registry domain: services and their endpoints. Reads like a grain interface on purpose.</summary>
public interface IServiceRegistry
{
    Task<MeshResource> UpsertServiceAsync(MeshResource service, bool createOnly, CancellationToken cancellationToken);

    Task<EndpointView> RegisterEndpointAsync(string @namespace, EndpointRegistration registration, bool createOnly, CancellationToken cancellationToken);

    /// <summary>Extends the lease of endpoints; returns the names that no longer exist (the caller must re-register them).</summary>
    Task<IReadOnlyList<string>> RenewLeasesAsync(string @namespace, IReadOnlyList<string> endpointNames, TimeSpan ttl, CancellationToken cancellationToken);

    Task<bool> DeregisterEndpointAsync(string @namespace, string endpointName, long? expectedVersion, CancellationToken cancellationToken);

    Task<IReadOnlyList<EndpointView>> ListEndpointsAsync(string? @namespace, string? service, CancellationToken cancellationToken);
}

/// <summary>What a caller sends to register an endpoint.</summary>
public sealed record EndpointRegistration
{
    public string Service { get; set; } = "";
    public string Address { get; set; } = "";
    public int Port { get; init; }
    public int? Weight { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public EndpointHealth? Health { get; init; }
    public string? RegisteredBy { get; init; }
    public int? SidecarPort { get; init; }

    /// <summary>Lease length in seconds; null or 0 means the endpoint stays until deregistered.</summary>
    public int? TtlSeconds { get; init; }
}
