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
    bool IncludeUsage = false);
