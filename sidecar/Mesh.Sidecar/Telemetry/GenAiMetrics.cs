using System.Collections.Concurrent;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// The OpenTelemetry GenAI semantic-convention metrics (semconv v1.41, development status) for inference requests
/// seen on the outbound side, in the Prometheus form an OpenTelemetry exporter gives them: dots become underscores
/// and a unit of seconds adds <c>_seconds</c>. Buckets are the ones the conventions recommend. Model names come from
/// request bodies, so the number of series is capped; beyond it a request is counted under the model
/// <see cref="OverflowModel"/>.
/// </summary>
internal sealed class GenAiMetrics
{
    public const string TokenUsage = "gen_ai_client_token_usage";
    public const string OperationDuration = "gen_ai_client_operation_duration_seconds";
    public const string TimeToFirstToken = "gen_ai_server_time_to_first_token_seconds";
    public const string TimePerOutputToken = "gen_ai_server_time_per_output_token_seconds";
    public const string OverflowModel = "_other";
    public const int MaxSeries = 1024;

    internal static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    internal static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
    internal static readonly double[] FirstTokenBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0];
    internal static readonly double[] PerTokenBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5];

    private readonly ConcurrentDictionary<SeriesKey, Series> _series = new();

    /// <summary>One finished inference request; the durations are null when the request did not reach that point.</summary>
    public void Record(in GenAiSample sample)
    {
        var key = new SeriesKey(sample.Operation, sample.RequestModel ?? "unknown", sample.ResponseModel ?? "unknown", sample.DestinationService, sample.ErrorType);
        if (!_series.TryGetValue(key, out var series))
        {
            if (_series.Count >= MaxSeries)
            {
                key = key with { RequestModel = OverflowModel, ResponseModel = OverflowModel };
            }

            series = _series.GetOrAdd(key, static _ => new Series());
        }

        series.OperationDuration.Record(sample.DurationSeconds);
        if (sample.PromptTokens is { } input)
        {
            series.InputTokens.Record(input);
        }

        if (sample.CompletionTokens is { } output)
        {
            series.OutputTokens.Record(output);
        }

        if (sample.TimeToFirstTokenSeconds is { } firstToken)
        {
            series.TimeToFirstToken.Record(firstToken);
        }

        if (sample.TimePerOutputTokenSeconds is { } perToken)
        {
            series.TimePerOutputToken.Record(perToken);
        }
    }

    public IEnumerable<(SeriesKey Key, Series Series)> Snapshot()
    {
        foreach (var (key, series) in _series)
        {
            yield return (key, series);
        }
    }

    /// <param name="ErrorType">The response code of a failed request (semconv <c>error.type</c>); empty on success.</param>
    internal readonly record struct SeriesKey(string Operation, string RequestModel, string ResponseModel, string DestinationService, string ErrorType);

    internal sealed class Series
    {
        public Histogram InputTokens { get; } = new(TokenBuckets);
        public Histogram OutputTokens { get; } = new(TokenBuckets);
        public Histogram OperationDuration { get; } = new(DurationBuckets);
        public Histogram TimeToFirstToken { get; } = new(FirstTokenBuckets);
        public Histogram TimePerOutputToken { get; } = new(PerTokenBuckets);
    }
}

/// <summary>What one inference request contributes to <see cref="GenAiMetrics"/>.</summary>
internal readonly record struct GenAiSample(
    string Operation,
    string? RequestModel,
    string? ResponseModel,
    string DestinationService,
    string ErrorType,
    double DurationSeconds,
    long? PromptTokens,
    long? CompletionTokens,
    double? TimeToFirstTokenSeconds,
    double? TimePerOutputTokenSeconds);
