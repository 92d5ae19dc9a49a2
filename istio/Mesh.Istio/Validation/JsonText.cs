using System.Text.Json;

namespace Mesh.Istio.Validation;

/// <summary>
/// Finds text a spec cannot hold. A <see cref="JsonElement"/> keeps its strings as raw bytes and only decodes them when
/// read, so invalid UTF-8 (or an escaped lone surrogate) passes parsing and throws later in whoever reads it first;
/// and PostgreSQL's jsonb refuses the NUL character. Both are reported here with their path instead.
/// </summary>
internal static class JsonText
{
    /// <summary>Reports every undecodable string or field name and every NUL; true when there was none.</summary>
    public static bool Check(JsonElement element, string path, ValidationContext context)
    {
        var before = context.Messages.Count;
        Walk(element, path, context, 0);
        return context.Messages.Count == before;
    }

    private static void Walk(JsonElement element, string path, ValidationContext context, int depth)
    {
        // The request reader caps nesting at 64; this bound only keeps a hand-built element from overflowing the stack.
        if (depth > 128)
        {
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (Problem(element.GetString) is { } problem)
                {
                    context.Error(path, $"value {problem}");
                }

                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item, $"{path}[{i++}]", context, depth + 1);
                }

                break;
            case JsonValueKind.Object:
                var index = 0;
                foreach (var property in element.EnumerateObject())
                {
                    var current = property;
                    if (Problem(() => current.Name) is { } nameProblem)
                    {
                        context.Error(path, $"field name #{index} {nameProblem}");
                    }
                    else
                    {
                        Walk(property.Value, $"{path}.{property.Name}", context, depth + 1);
                    }

                    index++;
                }

                break;
            default:
                break;
        }
    }

    private static string? Problem(Func<string?> read)
    {
        string? text;
        try
        {
            text = read();
        }
        catch (InvalidOperationException)
        {
            return "is not valid UTF-8 text";
        }

        return text is not null && text.Contains('\0', StringComparison.Ordinal) ? "must not contain the NUL character (\\u0000)" : null;
    }
}
