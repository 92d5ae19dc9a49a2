using Mesh.Sidecar.LoadBalancing;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Hashes the raw bytes of a request's prompt (<c>messages</c> or <c>prompt</c>, as JSON text) in fixed blocks, each
/// block's hash chained to the one before, like a model server's prefix cache chains its token blocks. Two prompts
/// share the first N block hashes exactly when they share the first N blocks of bytes, so equal hashes at a depth
/// mean "the model server may have this prefix cached". Constant memory: one running hash and a bounded list.
/// </summary>
internal sealed class PromptPrefixHasher
{
    public const int BlockBytes = 64;

    /// <summary>Deeper blocks than this are not hashed (a 16 KB prefix is plenty to tell prompts apart).</summary>
    public const int MaxBlocks = 256;

    private const ulong OffsetBasis = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    private readonly List<ulong> _blocks = [];
    private ulong _running = OffsetBasis;
    private int _inBlock;

    /// <summary>Chained hashes of the complete blocks seen so far; [i] covers bytes 0 .. (i+1)·BlockBytes.</summary>
    public IReadOnlyList<ulong> Blocks => _blocks;

    public void Add(byte b)
    {
        if (_blocks.Count >= MaxBlocks)
        {
            return;
        }

        _running = (_running ^ b) * Prime;
        if (++_inBlock == BlockBytes)
        {
            // The block's hash already folds in every earlier byte, so it identifies the whole prefix.
            _blocks.Add(StableHash.Mix(_running));
            _inBlock = 0;
        }
    }

    /// <summary>The hash of the first <paramref name="bytes"/> bytes of the prompt (rounded down to whole blocks), or of all of it when shorter.</summary>
    public ulong? PrefixKey(int bytes)
    {
        if (_blocks.Count == 0)
        {
            return _inBlock == 0 ? null : StableHash.Mix(_running);
        }

        var depth = Math.Clamp(bytes / BlockBytes, 1, _blocks.Count);
        return _blocks[depth - 1];
    }
}
