using System.Text.Json;

namespace Mesh.SimLlm.Api;

/// <summary>The id, creation time and model every chunk of one response repeats.</summary>
internal sealed record ResponseIds(string Id, long Created, string Model);

/// <summary>How one endpoint (chat or text completions) spells its response, whole or as stream chunks.</summary>
internal interface IGenerationFormat
{
    string IdPrefix { get; }

    /// <summary>Chunks sent before the first token's own (chat announces the assistant role).</summary>
    IEnumerable<string> Opening(ResponseIds ids);

    string Token(ResponseIds ids, string text);

    string Finish(ResponseIds ids, string finishReason);

    /// <summary>The last chunk when stream_options.include_usage is set: no choices, only usage.</summary>
    string UsageChunk(ResponseIds ids, Usage usage);

    string Whole(ResponseIds ids, string text, string finishReason, Usage usage);
}

internal sealed class ChatFormat : IGenerationFormat
{
    private const string ChunkObject = "chat.completion.chunk";

    public string IdPrefix => "chatcmpl";

    public IEnumerable<string> Opening(ResponseIds ids) => [Chunk(ids, [new ChatChunkChoice(0, new ChatDelta("assistant", ""), null)])];

    public string Token(ResponseIds ids, string text) => Chunk(ids, [new ChatChunkChoice(0, new ChatDelta(Content: text), null)]);

    public string Finish(ResponseIds ids, string finishReason) => Chunk(ids, [new ChatChunkChoice(0, new ChatDelta(), finishReason)]);

    public string UsageChunk(ResponseIds ids, Usage usage) => Chunk(ids, [], usage);

    public string Whole(ResponseIds ids, string text, string finishReason, Usage usage) => JsonSerializer.Serialize(
        new ChatCompletion(ids.Id, "chat.completion", ids.Created, ids.Model, [new ChatChoice(0, new ChatMessage("assistant", text), finishReason)], usage),
        OpenAiJsonContext.Default.ChatCompletion);

    private static string Chunk(ResponseIds ids, IReadOnlyList<ChatChunkChoice> choices, Usage? usage = null) => JsonSerializer.Serialize(
        new ChatCompletionChunk(ids.Id, ChunkObject, ids.Created, ids.Model, choices, usage), OpenAiJsonContext.Default.ChatCompletionChunk);
}

internal sealed class TextCompletionFormat : IGenerationFormat
{
    public string IdPrefix => "cmpl";

    public IEnumerable<string> Opening(ResponseIds ids) => [];

    public string Token(ResponseIds ids, string text) => Serialize(ids, [new CompletionChoice(0, text, null)]);

    public string Finish(ResponseIds ids, string finishReason) => Serialize(ids, [new CompletionChoice(0, "", finishReason)]);

    public string UsageChunk(ResponseIds ids, Usage usage) => Serialize(ids, [], usage);

    public string Whole(ResponseIds ids, string text, string finishReason, Usage usage) =>
        Serialize(ids, [new CompletionChoice(0, text, finishReason)], usage);

    private static string Serialize(ResponseIds ids, IReadOnlyList<CompletionChoice> choices, Usage? usage = null) => JsonSerializer.Serialize(
        new TextCompletion(ids.Id, "text_completion", ids.Created, ids.Model, choices, usage), OpenAiJsonContext.Default.TextCompletion);
}
