using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Npgsql;

namespace Mesh.Storage.Postgres;

/// <summary>How <c>mesh_resources.key_hash</c> holds <see cref="ResourceKeyHash"/> and selects one <see cref="LeasePartition"/>.</summary>
internal static class LeasePartitionSql
{
    /// <summary>
    /// The row's partition test. The column holds the unsigned hash's 64 bits as a signed bigint, so a negative value
    /// is shifted back by 2^64 before the modulo; rows from before the column existed (null) belong to every partition.
    /// </summary>
    public const string Filter = """
        (r.key_hash IS NULL OR (r.key_hash::numeric + CASE WHEN r.key_hash < 0 THEN 18446744073709551616 ELSE 0 END) % @partition_count = @partition_index)
        """;

    public static long KeyHash(ResourceKey key) => unchecked((long)ResourceKeyHash.Of(key.Namespace, key.Name));

    public static void AddParameters(NpgsqlParameterCollection parameters, LeasePartition partition)
    {
        parameters.AddWithValue("partition_count", partition.Count);
        parameters.AddWithValue("partition_index", partition.Index);
    }
}
