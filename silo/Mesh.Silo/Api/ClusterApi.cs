using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>Cluster members, subscribers and revisions under <c>/api/v1</c>.</summary>
internal static class ClusterApi
{
    public static void MapClusterApi(this RouteGroupBuilder api)
    {
        api.MapGet("/members", (IMeshStore store, CancellationToken ct) => store.ListMembersAsync(ct));
        api.MapGet("/subscribers", (IMeshStore store, CancellationToken ct) => store.ListSubscribersAsync(ct));
        api.MapGet("/subscribers/{id}", async (string id, IMeshStore store, CancellationToken ct) =>
            (await store.ListSubscribersAsync(ct)).FirstOrDefault(s => s.Id == id) is { } status
                ? Results.Ok(status)
                : Results.Json(new ErrorResponse($"subscriber '{id}' is not connected to any silo", null, null), statusCode: 404));
        api.MapGet("/revision", async (IMeshStore store, ResourceCache cache, SiloIdentity silo, CancellationToken ct) =>
            new RevisionInfo(await store.GetRevisionAsync(ct), cache.Revision, silo.Id));
    }
}

public sealed record RevisionInfo(long StoreRevision, long CacheRevision, string SiloId);
