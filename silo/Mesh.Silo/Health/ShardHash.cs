using Mesh.Contracts.Resources;

namespace Mesh.Silo.Health;

/// <summary>
/// Which partition an endpoint belongs to: <see cref="ResourceKeyHash"/> of <c>namespace/name</c> modulo the partition
/// count. Every silo must agree, and so must the database's lease sweeps (<c>LeasePartition</c>).
/// </summary>
internal static class ShardHash
{
    public static int Of(string @namespace, string name, int shards) => ResourceKeyHash.PartitionOf(@namespace, name, shards);
}
