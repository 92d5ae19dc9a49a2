using System.Runtime.CompilerServices;
using Mesh.SimLlm.Text;

namespace Mesh.SimLlm.Engine;

/// <summary>
/// One sequence's run: the prefill wait, then one token per decode step. Waits are paced against a running
/// deadline rather than slept one by one, so timer granularity does not add up over many tiny (time-scaled) steps.
/// </summary>
internal sealed class Generation(SimEngine engine, SequenceSlot slot, ulong[] promptBlocks, PseudoText text, long arrived)
{
    private TimeSpan _due;

    public required int PromptTokens { get; init; }

    public required int CachedTokens { get; init; }

    /// <summary>How many tokens this generation will produce when it runs to the end.</summary>
    public required int CompletionTokens { get; init; }

    /// <summary>The TTFT the timing model planned at admission, in model milliseconds (before time-scale).</summary>
    public required double ModelTtftMs { get; init; }

    public required string FinishReason { get; init; }

    public async IAsyncEnumerable<string> TokensAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var started = engine.Time.GetTimestamp();
        await WaitAsync(started, engine.Timing.Scale(ModelTtftMs), cancellationToken);
        engine.Cache.Insert(promptBlocks);
        engine.Stats.FirstToken(engine.Time.GetElapsedTime(arrived));
        for (var i = 0; i < CompletionTokens; i++)
        {
            if (i > 0)
            {
                await WaitAsync(started, engine.Timing.Scale(engine.Timing.InterTokenMs(engine.Scheduler.Running)), cancellationToken);
            }

            slot.AddTokens(1);
            engine.Stats.Generated();
            yield return text.NextToken();
        }

        engine.Stats.Finished();
    }

    private async Task WaitAsync(long started, TimeSpan step, CancellationToken cancellationToken)
    {
        _due += step;
        var remaining = _due - engine.Time.GetElapsedTime(started);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, engine.Time, cancellationToken);
        }
        else
        {
            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
