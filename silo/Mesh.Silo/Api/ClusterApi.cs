using Mesh.Contracts.Cluster;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;
using Orleans.Runtime;

namespace Mesh.Silo.Api;

/// <summary>Cluster members, subscribers and revisions under <c>/api/v1</c>.</summary>
internal static class ClusterApi
{
    public static void MapClusterApi(this RouteGroupBuilder api)
    {
        // Orleans' own membership table: dead silos stay there (for a week, Orleans' defunct cleanup) and are shown only with ?all=true.
        api.MapGet("/members", async (bool? all, IGrainFactory grains) =>
        {
            var hosts = await grains.GetGrain<IManagementGrain>(0).GetDetailedHosts(onlyActive: false);
            return hosts
                .Where(h => all == true || h.Status != SiloStatus.Dead)
                .OrderBy(h => h.StartTime)
                .Select(h => new SiloMember(h.SiloName, h.SiloAddress.ToParsableString(), h.Status.ToString(), AsUtc(h.StartTime), AsUtc(h.IAmAliveTime)));
        });
        api.MapGet("/subscribers", (IMeshStore store, CancellationToken ct) => store.ListSubscribersAsync(ct));
        api.MapGet("/subscribers/{id}", async (string id, IMeshStore store, CancellationToken ct) =>
            (await store.ListSubscribersAsync(ct)).FirstOrDefault(s => s.Id == id) is { } status
                ? Results.Ok(status)
                : Results.Json(new ErrorResponse($"subscriber '{id}' is not connected to any silo", null, null), statusCode: 404));
        api.MapGet("/revision", async (IMeshStore store, ResourceCache cache, SiloIdentity silo, CancellationToken ct) =>
            new RevisionInfo(await store.GetRevisionAsync(ct), cache.Revision, silo.Id));
    }

    private static DateTimeOffset AsUtc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));
}

public sealed record RevisionInfo(long StoreRevision, long CacheRevision, string SiloId);
