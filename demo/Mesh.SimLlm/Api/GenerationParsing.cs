using System.Text.Json;
using Mesh.SimLlm.Engine;
using Mesh.SimLlm.Hosting;
using Mesh.SimLlm.Text;

namespace Mesh.SimLlm.Api;

/// <summary>A validated chat or text completion request.</summary>
internal sealed record ParsedGeneration(GenerationRequest Request, bool Stream, bool IncludeUsage);

/// <summary>
/// Reads OpenAI chat and completion bodies into token ids. A chat prompt is each message's role as one special token
/// followed by its content's tokens, then one special token that opens the assistant's turn.
/// </summary>
internal static class GenerationParsing
{
    public static ParsedGeneration? Chat(JsonBody body, SimLlmOptions options, out ApiError? error)
    {
        var ids = new List<ulong>();
        if (body.Required("messages") is { } messages)
        {
            if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            {
                body.Fail("messages", "'messages' must be a non-empty array of messages");
            }
            else
            {
                var index = 0;
                foreach (var message in messages.EnumerateArray())
                {
                    AppendMessage(body, message, $"messages[{index++}]", ids);
                }

                ids.Add(SimpleTokenizer.SpecialId("assistant"));
            }
        }

        return Common(body, options, ids, "messages", out error);
    }

    public static ParsedGeneration? Completion(JsonBody body, SimLlmOptions options, out ApiError? error)
    {
        var ids = new List<ulong>();
        if (body.Required("prompt") is { } prompt)
        {
            AppendPrompt(body, prompt, ids);
        }

        return Common(body, options, ids, "prompt", out error);
    }

    private static void AppendMessage(JsonBody body, JsonElement message, string param, List<ulong> ids)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            body.Fail(param, $"'{param}' must be an object with 'role' and 'content'");
            return;
        }

        if (!message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String || role.GetString() is not { Length: > 0 } roleName)
        {
            body.Fail($"{param}.role", $"'{param}.role' must be a non-empty string");
            return;
        }

        ids.Add(SimpleTokenizer.SpecialId(roleName));
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            // An assistant turn that only called tools has no content; it still had its role token.
            return;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            SimpleTokenizer.AppendIds(content.GetString()!, ids);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            var part = 0;
            foreach (var item in content.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.Object && item.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    SimpleTokenizer.AppendIds(text.GetString()!, ids);
                }
                else
                {
                    body.Fail($"{param}.content[{part}]", $"'{param}.content[{part}]' must be a text part {{\"type\":\"text\",\"text\":...}}");
                    return;
                }

                part++;
            }
        }
        else
        {
            body.Fail($"{param}.content", $"'{param}.content' must be a string or an array of text parts");
        }
    }

    private static void AppendPrompt(JsonBody body, JsonElement prompt, List<ulong> ids)
    {
        if (prompt.ValueKind == JsonValueKind.String)
        {
            SimpleTokenizer.AppendIds(prompt.GetString()!, ids);
            return;
        }

        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() == 1 && prompt[0].ValueKind == JsonValueKind.String)
        {
            SimpleTokenizer.AppendIds(prompt[0].GetString()!, ids);
            return;
        }

        if (prompt.ValueKind == JsonValueKind.Array && prompt.GetArrayLength() > 0 && prompt.EnumerateArray().All(t => t.ValueKind == JsonValueKind.Number && t.TryGetInt64(out var id) && id >= 0))
        {
            // Token ids given directly: hashed like words, so equal id lists share cache blocks.
            ids.AddRange(prompt.EnumerateArray().Select(t => StableHash.Combine(0, (ulong)t.GetInt64())));
            return;
        }

        body.Fail("prompt", "'prompt' must be a string, an array of one string, or a non-empty array of token ids (batches are not supported)");
    }

    private static ParsedGeneration? Common(JsonBody body, SimLlmOptions options, List<ulong> ids, string promptField, out ApiError? error)
    {
        var model = body.OptionalString("model") ?? options.ModelNames[0];
        var maxTokens = body.OptionalInt("max_tokens", 1, options.MaxModelLen);
        // max_completion_tokens is the newer name; when both are given it wins, as in vLLM.
        maxTokens = body.OptionalInt("max_completion_tokens", 1, options.MaxModelLen) ?? maxTokens;
        var stream = body.OptionalBool("stream");
        var includeUsage = false;
        if (body.Optional("stream_options") is { } streamOptions)
        {
            if (streamOptions.ValueKind != JsonValueKind.Object)
            {
                body.Fail("stream_options", "'stream_options' must be an object");
            }
            else
            {
                includeUsage = body.Bool(streamOptions.TryGetProperty("include_usage", out var flag) ? flag : null, "stream_options.include_usage");
            }
        }

        // n is accepted and ignored: SimLLM always returns one choice.
        _ = body.OptionalInt("n", 1, 128);
        if (!body.Failed && ids.Count == 0)
        {
            body.Fail(promptField, $"'{promptField}' must hold at least one token");
        }

        if (!body.Failed && ids.Count + (maxTokens ?? 1) > options.MaxModelLen)
        {
            body.Fail(maxTokens is null ? promptField : "max_tokens",
                $"This model's maximum context length is {options.MaxModelLen} tokens; the request asks for {ids.Count + (maxTokens ?? 1)} ({ids.Count} in the prompt)");
        }

        error = body.Error;
        if (error is null && !options.ModelNames.Contains(model))
        {
            error = ApiError.UnknownModel(model);
        }

        return error is null ? new ParsedGeneration(new GenerationRequest(model, ids, maxTokens), stream, includeUsage) : null;
    }
}
