using System.Text;

namespace Mesh.Contracts.Resources;

/// <summary>
/// FNV-1a (64-bit) of the UTF-8 bytes of <c>namespace/name</c>: the stable hash that places an endpoint in its
/// partition. Stable across processes and versions, unlike <see cref="string.GetHashCode()"/>, because every silo,
/// and the database (which stores it per row), must agree on it.
/// </summary>
public static class ResourceKeyHash
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static ulong Of(string @namespace, string name)
    {
        var hash = OffsetBasis;
        Mix(ref hash, @namespace);
        hash = (hash ^ '/') * Prime;
        Mix(ref hash, name);
        return hash;
    }

    /// <summary>The partition of <paramref name="partitions"/> a key belongs to.</summary>
    public static int PartitionOf(string @namespace, string name, int partitions) => (int)(Of(@namespace, name) % (ulong)partitions);

    private static void Mix(ref ulong hash, string text)
    {
        // Resource names are short; longer text (never seen in practice) falls back to the heap.
        Span<byte> buffer = text.Length <= 128 ? stackalloc byte[384] : new byte[Encoding.UTF8.GetMaxByteCount(text.Length)];
        var count = Encoding.UTF8.GetBytes(text, buffer);
        foreach (var b in buffer[..count])
        {
            hash = (hash ^ b) * Prime;
        }
    }
}
