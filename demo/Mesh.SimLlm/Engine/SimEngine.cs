using Mesh.SimLlm.Hosting;
using Mesh.SimLlm.Text;

namespace Mesh.SimLlm.Engine;

/// <summary>What the engine is asked to generate: a tokenized prompt for a served model.</summary>
internal sealed record GenerationRequest(string Model, IReadOnlyList<ulong> PromptIds, int? MaxTokens);

/// <summary>Turns an admitted request into a <see cref="Generation"/>: prefix-cache lookup, timing plan, output length.</summary>
internal sealed class SimEngine(SimLlmOptions options, TimeProvider time, SequenceScheduler scheduler, PrefixCache cache, TimingModel timing, EngineStats stats)
{
    public SequenceScheduler Scheduler => scheduler;

    public PrefixCache Cache => cache;

    public EngineStats Stats => stats;

    public TimeProvider Time => time;

    public TimingModel Timing => timing;

    /// <summary>Plans the request on its slot; <paramref name="arrived"/> is when it reached the server (TTFT counts from there).</summary>
    public Generation Start(GenerationRequest request, SequenceSlot slot, long arrived)
    {
        var promptTokens = request.PromptIds.Count;
        var modelHash = StableHash.Of(request.Model);
        var blocks = PrefixCache.BlockHashes(modelHash, request.PromptIds);
        // At least one prompt token is always computed, as in vLLM: a fully cached prompt recomputes its last block.
        var cachedTokens = cache.MatchLeadingBlocks(blocks, (promptTokens - 1) / PrefixCache.BlockSize) * PrefixCache.BlockSize;
        var ttftMs = timing.TimeToFirstTokenMs(promptTokens - cachedTokens, scheduler.Running);

        var textSeed = StableHash.Combine((ulong)options.Seed, modelHash);
        foreach (var id in request.PromptIds)
        {
            textSeed = StableHash.Combine(textSeed, id);
        }

        var text = new PseudoText(textSeed);
        var drawn = text.DrawLength(options.MinOutputTokens, options.MaxOutputTokens);
        var length = request.MaxTokens ?? Math.Min(drawn, options.MaxModelLen - promptTokens);

        slot.AddTokens(promptTokens);
        stats.Admitted(promptTokens, cachedTokens);
        return new Generation(this, slot, blocks, text, arrived)
        {
            PromptTokens = promptTokens,
            CachedTokens = cachedTokens,
            CompletionTokens = length,
            ModelTtftMs = ttftMs,
            FinishReason = request.MaxTokens is null ? "stop" : "length",
        };
    }
}
