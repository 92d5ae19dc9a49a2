using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>Reads of stored resources for the admin API, answering 404 with the key that was asked for.</summary>
internal sealed class PolicyLikeReads(IMeshStore store)
{
    public async Task<IReadOnlyList<MeshResource>> ListAsync(string kind, string? @namespace, CancellationToken cancellationToken) =>
        (await store.ListAsync(kind, @namespace, cancellationToken)).Select(s => s.Resource).ToList();

    public async Task<IResult> GetAsync(ResourceKey key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) is { } stored
            ? Results.Ok(stored.Resource)
            : RegistryApi.NotFound(key.Kind, key.Namespace, key.Name);
}
