using Mesh.Contracts.Resources;

namespace Mesh.Storage.Abstractions;

/// <summary>
/// One partition of the leased resources: those whose <see cref="ResourceKeyHash"/> modulo <see cref="Count"/> is
/// <see cref="Index"/>. Each health partition grain sweeps the leases of its own partition, so lease expiry is spread
/// over the silos the same way probing is, and two sweepers never compete for the same rows.
/// </summary>
public sealed record LeasePartition(int Index, int Count)
{
    /// <summary>Every leased resource (one partition of one).</summary>
    public static LeasePartition All { get; } = new(0, 1);

    public bool Contains(ResourceKey key) => ResourceKeyHash.PartitionOf(key.Namespace, key.Name, Count) == Index;
}
