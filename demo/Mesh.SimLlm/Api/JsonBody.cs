using System.Text.Json;

namespace Mesh.SimLlm.Api;

/// <summary>
/// Reads a request body field by field, keeping the first problem as a 400 that names the field, so no bad input
/// reaches the engine and none becomes a 5xx.
/// </summary>
internal sealed class JsonBody
{
    private JsonBody(JsonDocument document) => Root = document.RootElement;

    public JsonElement Root { get; }

    public ApiError? Error { get; private set; }

    /// <summary>The parsed body, or the 400 for a body that is not a JSON object.</summary>
    public static async Task<(JsonDocument? Document, ApiError? Error)> ParseAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                return (document, null);
            }

            document.Dispose();
            return (null, ApiError.BadField("body", "The request body must be a JSON object"));
        }
        catch (JsonException ex)
        {
            return (null, ApiError.BadField("body", $"The request body is not valid JSON: {ex.Message}"));
        }
    }

    public static JsonBody Of(JsonDocument document) => new(document);

    public bool Failed => Error is not null;

    public ApiError Fail(string param, string message) => Error ??= ApiError.BadField(param, message);

    /// <summary>The field, or null when it is absent or JSON null.</summary>
    public JsonElement? Optional(string name) =>
        Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public JsonElement? Required(string name)
    {
        var value = Optional(name);
        if (value is null)
        {
            Fail(name, $"'{name}' is required");
        }

        return value;
    }

    public string? OptionalString(string name)
    {
        var value = Optional(name);
        if (value is { ValueKind: not JsonValueKind.String })
        {
            Fail(name, $"'{name}' must be a string");
            return null;
        }

        return value?.GetString();
    }

    public bool OptionalBool(string name) => Bool(Optional(name), name);

    /// <summary>A boolean (absent or null is false); <paramref name="param"/> names it in the error.</summary>
    public bool Bool(JsonElement? value, string param)
    {
        if (value is { ValueKind: JsonValueKind.True or JsonValueKind.False } flag)
        {
            return flag.GetBoolean();
        }

        if (value is { ValueKind: not JsonValueKind.Null })
        {
            Fail(param, $"'{param}' must be a boolean");
        }

        return false;
    }

    public int? OptionalInt(string name, int min, int max)
    {
        var value = Optional(name);
        if (value is null)
        {
            return null;
        }

        if (value.Value.ValueKind == JsonValueKind.Number && value.Value.TryGetInt32(out var number) && number >= min && number <= max)
        {
            return number;
        }

        Fail(name, $"'{name}' must be an integer from {min} to {max}");
        return null;
    }
}
