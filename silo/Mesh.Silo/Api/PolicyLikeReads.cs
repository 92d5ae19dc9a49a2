using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>Reads of stored resources for the admin API, answering 404 with the key that was asked for.</summary>
internal sealed class PolicyLikeReads(IMeshStore store)
{
    /// <summary>One page of a list, as <see cref="ListPaging"/> reads it from the request.</summary>
    public async Task<IReadOnlyList<MeshResource>> ListAsync(string kind, string? @namespace, ListParameters list, HttpResponse response, CancellationToken cancellationToken)
    {
        var query = ListPaging.Query(kind, @namespace, list);
        var resources = (await store.ListAsync(query, cancellationToken)).Select(s => s.Resource).ToList();
        return ListPaging.Page(response, query, resources, r => r.Key);
    }

    public async Task<IResult> GetAsync(ResourceKey key, CancellationToken cancellationToken) =>
        await store.GetAsync(key, cancellationToken) is { } stored
            ? Results.Ok(stored.Resource)
            : RegistryApi.NotFound(key.Kind, key.Namespace, key.Name);
}
