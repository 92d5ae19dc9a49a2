using Mesh.SimLlm.Hosting;

namespace Mesh.SimLlm.Engine;

/// <summary>
/// How long a step takes, in model milliseconds (before <see cref="SimLlmOptions.TimeScale"/>):
/// TTFT = (overhead + uncached prompt tokens × prefill per token) × load, and each later token inter-token × load,
/// where load = 1 + alpha × (running − 1), sampled when the step starts.
/// </summary>
internal sealed class TimingModel(SimLlmOptions options)
{
    public double LoadFactor(int running) => 1 + options.LoadAlpha * (Math.Max(running, 1) - 1);

    public double TimeToFirstTokenMs(int uncachedTokens, int running) =>
        (options.OverheadMs + uncachedTokens * options.PrefillMsPerToken) * LoadFactor(running);

    public double InterTokenMs(int running) => options.InterTokenMs * LoadFactor(running);

    /// <summary>Model time to wall time.</summary>
    public TimeSpan Scale(double modelMs) => TimeSpan.FromMilliseconds(modelMs * options.TimeScale);
}
