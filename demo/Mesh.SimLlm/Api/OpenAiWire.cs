using System.Text.Json.Serialization;

namespace Mesh.SimLlm.Api;

// OpenAI's wire shapes, written snake_case by OpenAiJsonContext. Null members are left out, except where OpenAI's
// clients expect an explicit null (finish_reason while a stream is still running, param on errors).

internal sealed record Usage(int PromptTokens, int CompletionTokens, int TotalTokens, PromptTokensDetails? PromptTokensDetails = null);

internal sealed record PromptTokensDetails(int CachedTokens);

internal sealed record ChatMessage(string Role, string Content);

internal sealed record ChatChoice(int Index, ChatMessage Message, string FinishReason);

internal sealed record ChatCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChoice> Choices, Usage Usage);

internal sealed record ChatDelta(string? Role = null, string? Content = null);

internal sealed record ChatChunkChoice(
    int Index,
    ChatDelta Delta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

internal sealed record ChatCompletionChunk(string Id, string Object, long Created, string Model, IReadOnlyList<ChatChunkChoice> Choices, Usage? Usage = null);

internal sealed record CompletionChoice(
    int Index,
    string Text,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? FinishReason);

/// <summary>A text completion, and (object "text_completion" too) each chunk of a streamed one.</summary>
internal sealed record TextCompletion(string Id, string Object, long Created, string Model, IReadOnlyList<CompletionChoice> Choices, Usage? Usage = null);

internal sealed record EmbeddingData(string Object, int Index, float[] Embedding);

internal sealed record EmbeddingUsage(int PromptTokens, int TotalTokens);

internal sealed record EmbeddingList(string Object, IReadOnlyList<EmbeddingData> Data, string Model, EmbeddingUsage Usage);

internal sealed record ModelCard(string Id, string Object, long Created, string OwnedBy);

internal sealed record ModelList(string Object, IReadOnlyList<ModelCard> Data);

internal sealed record ErrorBody(
    string Message,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Param,
    string Code);

internal sealed record ErrorResponse(ErrorBody Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChatCompletion))]
[JsonSerializable(typeof(ChatCompletionChunk))]
[JsonSerializable(typeof(TextCompletion))]
[JsonSerializable(typeof(EmbeddingList))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ErrorResponse))]
internal sealed partial class OpenAiJsonContext : JsonSerializerContext;
