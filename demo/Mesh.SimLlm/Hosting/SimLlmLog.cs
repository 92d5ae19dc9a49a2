namespace Mesh.SimLlm.Hosting;

/// <summary>SimLLM's log events (one table of ids).</summary>
internal static partial class SimLlmLog
{
    [LoggerMessage(1, LogLevel.Information, "SimLLM ready: models {Models}, max-num-seqs {MaxNumSeqs}, max-queue {MaxQueue}, kv-cache-blocks {Blocks}, time-scale {TimeScale}")]
    public static partial void Ready(ILogger logger, string models, int maxNumSeqs, int maxQueue, int blocks, double timeScale);

    [LoggerMessage(2, LogLevel.Debug, "Client went away during {Path}")]
    public static partial void ClientGone(ILogger logger, string path);

    [LoggerMessage(3, LogLevel.Warning, "Failure switch set: mode {Mode}, probability {Probability}, retry-after {RetryAfterSeconds}s")]
    public static partial void FailureSet(ILogger logger, string mode, double probability, int retryAfterSeconds);
}
