namespace Mesh.Sidecar.Inference;

/// <summary>
/// What the sidecar learned from an OpenAI-style request body, kept on the request (HttpContext features) for the
/// stages after routing. <see cref="PrefixBytes"/> is how much of the body was read before forwarding began;
/// <see cref="StreamOptionsPresent"/> and <see cref="IncludeUsage"/> say whether the client asked for a streamed usage chunk.
/// </summary>
internal sealed record InferenceRequest(
    string? Model,
    bool ModelUnusable,
    bool? Stream,
    long? MaxTokens,
    string? User,
    InferenceScanOutcome Outcome,
    int PrefixBytes,
    PromptPrefixHasher Prompt,
    bool StreamOptionsPresent = false,
    bool IncludeUsage = false)
{
    /// <summary>
    /// The whole body as sent upstream, when it ended within what the sidecar read: such a request can be sent again
    /// (a retry, a fallback to another server). Null when the rest of the body streams from the client.
    /// </summary>
    public ReadOnlyMemory<byte>? WholeBody { get; init; }
}
