using Mesh.Contracts.Resources;

namespace Mesh.Contracts.Domains;

/// <summary>The policy domain: routing, resilience and security configuration resources.</summary>
public interface IPolicyStore
{
    Task<MeshResource> ApplyAsync(MeshResource resource, bool createOnly, CancellationToken cancellationToken);

    Task<MeshResource?> GetAsync(ResourceKey key, CancellationToken cancellationToken);

    Task<IReadOnlyList<MeshResource>> ListAsync(string kind, string? @namespace, CancellationToken cancellationToken);

    Task<bool> DeleteAsync(ResourceKey key, long? expectedVersion, CancellationToken cancellationToken);
}
