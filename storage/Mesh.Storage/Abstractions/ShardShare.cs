namespace Mesh.Storage.Abstractions;

/// <summary>
/// How many shards a silo should hold: shards / live silos, with the remainder going to the silos first in ordinal
/// id order. Every silo computes the same split from the same live set, so the shares add up to exactly the shard
/// count and differ by at most one.
/// </summary>
public static class ShardShare
{
    public static int Of(ShardClaim claim, IReadOnlyCollection<string> liveSilos)
    {
        var live = liveSilos.Contains(claim.Owner, StringComparer.Ordinal) ? liveSilos : [.. liveSilos, claim.Owner];
        var rank = live.Count(id => string.CompareOrdinal(id, claim.Owner) < 0);
        return claim.ShardCount / live.Count + (rank < claim.ShardCount % live.Count ? 1 : 0);
    }
}
