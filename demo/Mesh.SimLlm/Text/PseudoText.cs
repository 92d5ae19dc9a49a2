namespace Mesh.SimLlm.Text;

/// <summary>
/// Deterministic filler text: each token is a lower-case word drawn from a fixed vocabulary, separated by single
/// spaces, so the text re-tokenizes (<see cref="SimpleTokenizer"/>) to exactly the number of tokens generated.
/// </summary>
internal sealed class PseudoText(ulong seed)
{
    private static readonly string[] Vocabulary =
    [
        "the", "model", "mesh", "routes", "token", "stream", "cache", "prefix", "block", "queue", "slot", "engine",
        "latency", "sidecar", "silo", "request", "batch", "prefill", "decode", "replica", "weight", "adapter", "lora",
        "policy", "load", "balance", "retry", "budget", "window", "signal", "metric", "gauge", "counter", "bucket",
        "and", "of", "to", "in", "a", "is", "for", "with", "on", "by", "as", "that", "from", "at", "each", "every",
        "fast", "slow", "warm", "cold", "busy", "idle", "small", "large", "first", "next", "last", "again", "now", "then",
    ];

    private SplitMix64 _rng = new(seed);
    private int _emitted;

    /// <summary>The length a response has when the request sets no max_tokens.</summary>
    public int DrawLength(int min, int max) => _rng.NextInt(min, max);

    /// <summary>The next token's text, with the space that separates it from the one before.</summary>
    public string NextToken()
    {
        var word = Vocabulary[_rng.NextInt(0, Vocabulary.Length - 1)];
        return _emitted++ == 0 ? word : " " + word;
    }
}
