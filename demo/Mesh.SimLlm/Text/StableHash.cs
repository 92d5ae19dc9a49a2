namespace Mesh.SimLlm.Text;

/// <summary>FNV-1a (64-bit): stable across processes, unlike string.GetHashCode, so cache keys and seeds repeat.</summary>
internal static class StableHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    public static ulong Of(string text)
    {
        var hash = Offset;
        foreach (var c in text)
        {
            hash = (hash ^ c) * Prime;
        }

        return hash;
    }

    public static ulong Combine(ulong previous, ulong value)
    {
        var hash = Offset;
        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ ((previous >> (8 * i)) & 0xFF)) * Prime;
        }

        for (var i = 0; i < 8; i++)
        {
            hash = (hash ^ ((value >> (8 * i)) & 0xFF)) * Prime;
        }

        return hash;
    }
}
