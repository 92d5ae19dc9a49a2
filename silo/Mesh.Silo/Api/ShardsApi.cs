using Mesh.Contracts.Cluster;
using Mesh.Silo.Cache;
using Mesh.Silo.Health;

namespace Mesh.Silo.Api;

/// <summary>Health partitions and their silos under <c>/api/v1</c>.</summary>
internal static class ShardsApi
{
    public static void MapShardsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/shards", async (HealthPartitionKeeper keeper, ResourceCache cache, SiloOptions options, CancellationToken ct) =>
        {
            var partitions = await keeper.EnsureAllAsync(ct);
            var counts = new int[partitions.Length];
            foreach (var target in new HealthTargets(partitions.Length).Find(cache, _ => true))
            {
                counts[target.Shard]++;
            }

            return partitions.Select((p, shard) => new ShardView(shard, p?.Silo, p?.Generation ?? 0, p?.ActivatedAt, counts[shard]));
        });
        api.MapGet("/namespaces/{ns}/endpoints/{name}/prober", async (string ns, string name, HealthPartitionKeeper keeper, SiloOptions options, CancellationToken ct) =>
        {
            var shard = ShardHash.Of(ns, name, options.Health.Shards);
            var partition = await keeper.EnsureAsync(shard, ct);
            return new EndpointProberView(ns, name, shard, partition?.Silo, partition?.Generation ?? 0);
        });
    }
}

/// <summary>Which health partition an endpoint hashes to and which silo probes it (null while unreachable).</summary>
public sealed record EndpointProberView(string Namespace, string Name, int Shard, string? Owner, long Generation);
