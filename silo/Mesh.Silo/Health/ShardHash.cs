using System.Text;

namespace Mesh.Silo.Health;

/// <summary>
/// Which shard an endpoint belongs to: FNV-1a (64-bit) of <c>namespace/name</c> modulo the shard count. Stable across
/// processes and versions, unlike <see cref="string.GetHashCode()"/>, which every silo must agree on.
/// </summary>
internal static class ShardHash
{
    private const ulong OffsetBasis = 14695981039346656037;
    private const ulong Prime = 1099511628211;

    public static int Of(string @namespace, string name, int shards)
    {
        var hash = OffsetBasis;
        Mix(ref hash, @namespace);
        hash = (hash ^ '/') * Prime;
        Mix(ref hash, name);
        return (int)(hash % (ulong)shards);
    }

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
