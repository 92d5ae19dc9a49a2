using System.Text.Json;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// The fields of an OpenAI-style response object that accounting needs (<c>model</c>, <c>usage</c>, and whether
/// <c>choices</c> is an empty array), collected token by token so the same code serves a whole SSE event and a JSON
/// body read in pieces. Everything else is stepped over without being materialised.
/// </summary>
internal struct UsageFields
{
    private Field _top;
    private Field _usageField;
    private bool _inChoices;
    private int _choiceTokens;

    private enum Field
    {
        Other,
        Model,
        Usage,
        Choices,
        PromptTokens,
        CompletionTokens,
    }

    public string? Model { get; private set; }

    public bool HasUsage { get; private set; }

    public long? PromptTokens { get; private set; }

    public long? CompletionTokens { get; private set; }

    /// <summary>True when the object has <c>"choices": []</c>: the shape of the usage-only chunk that ends a stream.</summary>
    public bool ChoicesEmpty { get; private set; }

    /// <summary>Takes in one token the reader has just read (depth 1 is the top-level object's members).</summary>
    public void Observe(ref Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        if (_inChoices)
        {
            if (depth == 1 && reader.TokenType == JsonTokenType.EndArray)
            {
                _inChoices = false;
                ChoicesEmpty = _choiceTokens == 0;
            }
            else
            {
                _choiceTokens++;
            }

            return;
        }

        switch (reader.TokenType)
        {
            case JsonTokenType.PropertyName when depth == 1:
                _top = reader.ValueTextEquals("model"u8) ? Field.Model
                    : reader.ValueTextEquals("usage"u8) ? Field.Usage
                    : reader.ValueTextEquals("choices"u8) ? Field.Choices
                    : Field.Other;
                break;
            case JsonTokenType.PropertyName when depth == 2 && _top == Field.Usage:
                // input/output_tokens: the Responses-API spelling of the same two counts.
                _usageField = reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8) ? Field.PromptTokens
                    : reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8) ? Field.CompletionTokens
                    : Field.Other;
                break;
            case JsonTokenType.String when depth == 1 && _top == Field.Model:
                Model = reader.GetString();
                break;
            case JsonTokenType.StartObject when depth == 1 && _top == Field.Usage:
                HasUsage = true;
                break;
            case JsonTokenType.StartArray when depth == 1 && _top == Field.Choices:
                _inChoices = true;
                _choiceTokens = 0;
                break;
            case JsonTokenType.Number when depth == 2 && _top == Field.Usage:
                if (reader.TryGetInt64(out var count) && count >= 0)
                {
                    if (_usageField == Field.PromptTokens)
                    {
                        PromptTokens = count;
                    }
                    else if (_usageField == Field.CompletionTokens)
                    {
                        CompletionTokens = count;
                    }
                }

                break;
        }
    }

    /// <summary>Reads one complete JSON value; false when it is not well-formed JSON.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out UsageFields fields)
    {
        fields = default;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                fields.Observe(ref reader);
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }
}
