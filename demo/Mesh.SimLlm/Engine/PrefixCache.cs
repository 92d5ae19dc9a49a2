using Mesh.SimLlm.Text;

namespace Mesh.SimLlm.Engine;

/// <summary>
/// vLLM's automatic prefix cache in miniature: prompts are cut into full blocks of <see cref="BlockSize"/> tokens,
/// each named by a hash chained over all blocks before it, so a block hit implies the whole prefix up to it matches.
/// The cache holds at most its capacity in blocks and evicts the least recently used.
/// </summary>
internal sealed class PrefixCache(int capacityBlocks)
{
    public const int BlockSize = 16;

    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, LinkedListNode<ulong>> _blocks = [];
    private readonly LinkedList<ulong> _recency = new();

    public int Capacity => capacityBlocks;

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _blocks.Count;
            }
        }
    }

    /// <summary>The chained hashes of the full blocks of <paramref name="tokenIds"/>; a trailing partial block has none.</summary>
    public static ulong[] BlockHashes(ulong root, IReadOnlyList<ulong> tokenIds)
    {
        var hashes = new ulong[tokenIds.Count / BlockSize];
        var previous = root;
        for (var block = 0; block < hashes.Length; block++)
        {
            var hash = previous;
            for (var i = block * BlockSize; i < (block + 1) * BlockSize; i++)
            {
                hash = StableHash.Combine(hash, tokenIds[i]);
            }

            hashes[block] = previous = hash;
        }

        return hashes;
    }

    /// <summary>How many leading blocks, of the first <paramref name="maxBlocks"/>, are cached.</summary>
    public int MatchLeadingBlocks(ulong[] hashes, int maxBlocks)
    {
        lock (_lock)
        {
            var matched = 0;
            while (matched < Math.Min(maxBlocks, hashes.Length) && _blocks.ContainsKey(hashes[matched]))
            {
                matched++;
            }

            return matched;
        }
    }

    /// <summary>Adds or refreshes a prompt's blocks once its prefill is done.</summary>
    public void Insert(ulong[] hashes)
    {
        lock (_lock)
        {
            // Last block first, so the prompt's head ends most recent: eviction then takes a chain's tail before its
            // head and never leaves a block whose predecessor is gone, as vLLM frees blocks in reverse order.
            for (var i = hashes.Length - 1; i >= 0; i--)
            {
                if (_blocks.TryGetValue(hashes[i], out var node))
                {
                    _recency.Remove(node);
                    _recency.AddFirst(node);
                }
                else
                {
                    _blocks[hashes[i]] = _recency.AddFirst(hashes[i]);
                }
            }

            while (_blocks.Count > capacityBlocks)
            {
                _blocks.Remove(_recency.Last!.Value);
                _recency.RemoveLast();
            }
        }
    }
}
