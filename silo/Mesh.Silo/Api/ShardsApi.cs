using Mesh.Contracts.Cluster;
using Mesh.Silo.Cache;
using Mesh.Silo.Health;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>Health-check shard ownership under <c>/api/v1</c>.</summary>
internal static class ShardsApi
{
    public static void MapShardsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/shards", async (IShardLeaseStore store, ResourceCache cache, SiloOptions options, CancellationToken ct) =>
        {
            var shards = options.Health.Shards;
            var leases = await store.ListShardsAsync(shards, ct);
            var counts = new int[shards];
            foreach (var target in new HealthTargets(shards).Find(cache.Snapshot().Resources, _ => true))
            {
                counts[target.Shard]++;
            }

            return leases.Select(l => new ShardView(l.Shard, l.Owner, l.FencingToken, l.ExpiresAt, counts[l.Shard]));
        });
        api.MapGet("/namespaces/{ns}/endpoints/{name}/prober", async (string ns, string name, IShardLeaseStore store, SiloOptions options, CancellationToken ct) =>
        {
            var shard = ShardHash.Of(ns, name, options.Health.Shards);
            var lease = (await store.ListShardsAsync(options.Health.Shards, ct))[shard];
            return new EndpointProberView(ns, name, shard, lease.Owner, lease.FencingToken);
        });
    }
}

/// <summary>Which shard an endpoint hashes to and which silo probes it (null while the shard is unowned).</summary>
public sealed record EndpointProberView(string Namespace, string Name, int Shard, string? Owner, long FencingToken);
