using System.Globalization;
using Mesh.SimLlm.Failures;
using Microsoft.Extensions.Configuration;

namespace Mesh.SimLlm.Hosting;

/// <summary>
/// Everything SimLLM simulates, bound from the command line (<c>--max-num-seqs 4</c>).
/// Times are in model milliseconds; <see cref="TimeScale"/> compresses them all at once so tests run fast.
/// </summary>
internal sealed record SimLlmOptions
{
    /// <summary>Combined with each prompt's hash, so the same request always yields the same text.</summary>
    [ConfigurationKeyName("seed")]
    public int Seed { get; init; }

    /// <summary>Comma-separated served model names; the first names the engine in metrics.</summary>
    [ConfigurationKeyName("models")]
    public string Models { get; init; } = "simllm";

    [ConfigurationKeyName("max-num-seqs")]
    public int MaxNumSeqs { get; init; } = 8;

    [ConfigurationKeyName("max-queue")]
    public int MaxQueue { get; init; } = 64;

    [ConfigurationKeyName("kv-cache-blocks")]
    public int KvCacheBlocks { get; init; } = 2048;

    [ConfigurationKeyName("max-model-len")]
    public int MaxModelLen { get; init; } = 32768;

    [ConfigurationKeyName("time-scale")]
    public double TimeScale { get; init; } = 1.0;

    [ConfigurationKeyName("overhead-ms")]
    public double OverheadMs { get; init; } = 20;

    [ConfigurationKeyName("prefill-ms-per-token")]
    public double PrefillMsPerToken { get; init; } = 0.5;

    [ConfigurationKeyName("inter-token-ms")]
    public double InterTokenMs { get; init; } = 25;

    /// <summary>How much each extra running sequence slows every step: load = 1 + alpha × (running − 1).</summary>
    [ConfigurationKeyName("load-alpha")]
    public double LoadAlpha { get; init; } = 0.1;

    [ConfigurationKeyName("min-output-tokens")]
    public int MinOutputTokens { get; init; } = 16;

    [ConfigurationKeyName("max-output-tokens")]
    public int MaxOutputTokens { get; init; } = 128;

    [ConfigurationKeyName("embedding-dimensions")]
    public int EmbeddingDimensions { get; init; } = 64;

    [ConfigurationKeyName("failure-mode")]
    public string FailureMode { get; init; } = "none";

    [ConfigurationKeyName("failure-probability")]
    public double FailureProbability { get; init; } = 1.0;

    /// <summary>Sent as Retry-After on injected 429s and on 429s for a full queue.</summary>
    [ConfigurationKeyName("retry-after-seconds")]
    public int RetryAfterSeconds { get; init; } = 1;

    public IReadOnlyList<string> ModelNames =>
        Models.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public FailureSettings InitialFailure => new(FailureModes.Parse(FailureMode) ?? FailureModes.None, RetryAfterSeconds, FailureProbability);

    /// <summary>Binds and validates; a bad value throws <see cref="SimLlmOptionsException"/> naming the option.</summary>
    public static SimLlmOptions Bind(IConfiguration configuration)
    {
        SimLlmOptions options;
        try
        {
            options = configuration.Get<SimLlmOptions>() ?? new SimLlmOptions();
        }
        catch (InvalidOperationException ex)
        {
            // The binder names the key ("Failed to convert configuration value at 'max-num-seqs' ..."): pass it on.
            throw new SimLlmOptionsException(ex.Message);
        }

        options.Validate();
        return options;
    }

    private void Validate()
    {
        Require(ModelNames.Count > 0, "models", "must name at least one model", Models);
        Require(MaxNumSeqs is >= 1 and <= 4096, "max-num-seqs", "must be 1..4096", MaxNumSeqs);
        Require(MaxQueue is >= 0 and <= 1_000_000, "max-queue", "must be 0..1000000", MaxQueue);
        Require(KvCacheBlocks is >= 1 and <= 10_000_000, "kv-cache-blocks", "must be 1..10000000", KvCacheBlocks);
        Require(MaxModelLen is >= 2 and <= 10_000_000, "max-model-len", "must be 2..10000000", MaxModelLen);
        Require(TimeScale is >= 0 and <= 1000 && double.IsFinite(TimeScale), "time-scale", "must be 0..1000", TimeScale);
        Require(IsDuration(OverheadMs), "overhead-ms", "must be 0..600000", OverheadMs);
        Require(IsDuration(PrefillMsPerToken), "prefill-ms-per-token", "must be 0..600000", PrefillMsPerToken);
        Require(IsDuration(InterTokenMs), "inter-token-ms", "must be 0..600000", InterTokenMs);
        Require(LoadAlpha is >= 0 and <= 100 && double.IsFinite(LoadAlpha), "load-alpha", "must be 0..100", LoadAlpha);
        Require(MinOutputTokens is >= 1 && MinOutputTokens <= MaxOutputTokens, "min-output-tokens", "must be 1..max-output-tokens", MinOutputTokens);
        Require(MaxOutputTokens is >= 1 and <= 1_000_000, "max-output-tokens", "must be 1..1000000", MaxOutputTokens);
        Require(EmbeddingDimensions is >= 1 and <= 65536, "embedding-dimensions", "must be 1..65536", EmbeddingDimensions);
        Require(FailureModes.Parse(FailureMode) is not null, "failure-mode", $"must be one of {FailureModes.Names}", FailureMode);
        Require(FailureProbability is >= 0 and <= 1, "failure-probability", "must be 0..1", FailureProbability);
        Require(RetryAfterSeconds is >= 0 and <= 86400, "retry-after-seconds", "must be 0..86400", RetryAfterSeconds);
    }

    private static bool IsDuration(double ms) => ms is >= 0 and <= 600_000 && double.IsFinite(ms);

    private static void Require(bool valid, string option, string expected, object value)
    {
        if (!valid)
        {
            throw new SimLlmOptionsException($"--{option} {expected}, got '{Convert.ToString(value, CultureInfo.InvariantCulture)}'");
        }
    }
}

/// <summary>An invalid command-line option; Program turns it into exit code 2.</summary>
internal sealed class SimLlmOptionsException(string message) : Exception(message);
