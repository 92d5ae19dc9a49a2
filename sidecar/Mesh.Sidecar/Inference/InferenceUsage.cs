namespace Mesh.Sidecar.Inference;

/// <summary>
/// What one inference exchange cost and how it was timed, filled in while the response passes and kept on the request
/// (HttpContext features) for the access log and the GenAI metrics. Timestamps are <see cref="TimeProvider"/> ticks,
/// 0 when not reached.
/// </summary>
internal sealed class InferenceUsage(string operation, string? requestModel, bool streaming, bool injectedUsage)
{
    /// <summary>The GenAI semantic-convention operation: <c>chat</c>, <c>text_completion</c> or <c>embeddings</c>.</summary>
    public string Operation { get; } = operation;

    public string? RequestModel { get; } = requestModel;

    public bool Streaming { get; } = streaming;

    /// <summary>The sidecar added <c>stream_options.include_usage</c>, so the usage chunk is not the client's to see.</summary>
    public bool InjectedUsage { get; } = injectedUsage;

    public string? ResponseModel { get; set; }

    public long? PromptTokens { get; set; }

    public long? CompletionTokens { get; set; }

    public long RequestSentTimestamp { get; set; }

    public long FirstByteTimestamp { get; set; }

    public long LastByteTimestamp { get; set; }

    public void Record(in UsageFields fields)
    {
        ResponseModel = fields.Model ?? ResponseModel;
        if (fields.HasUsage)
        {
            PromptTokens = fields.PromptTokens;
            CompletionTokens = fields.CompletionTokens;
        }
    }

    public const string Embeddings = "embeddings";

    /// <summary>The operation name for an inference path (see <see cref="InferenceBodyInspector"/>).</summary>
    public static string OperationFor(string path) =>
        path.EndsWith("/chat/completions", StringComparison.Ordinal) ? "chat"
        : path.EndsWith("/embeddings", StringComparison.Ordinal) ? Embeddings
        : "text_completion";
}
