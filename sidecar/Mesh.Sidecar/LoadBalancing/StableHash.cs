namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// A 64-bit hash that is stable across processes and runs (string.GetHashCode is randomized per process, which
/// would move every key between restarts). FNV-1a over UTF-16 code units, then MurmurHash3's fmix64 to spread bits.
/// </summary>
internal static class StableHash
{
    public static ulong Hash(ReadOnlySpan<char> value)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in value)
        {
            hash = (hash ^ c) * 1099511628211UL;
        }

        return Mix(hash);
    }

    /// <summary>MurmurHash3's 64-bit finalizer: spreads FNV's weak high bits over the whole word.</summary>
    public static ulong Mix(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return hash;
    }
}
