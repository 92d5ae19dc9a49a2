using System.Text.Json;

namespace Mesh.Istio.Validation;

/// <summary>Small checks on raw JSON for kinds validated without a typed model.</summary>
internal sealed class JsonShape(ValidationContext context, bool strict)
{
    public ValidationContext Context { get; } = context;

    /// <summary>Checks it is an object; with <paramref name="known"/> fields in strict mode, reports the others.</summary>
    public bool Object(JsonElement element, string path, params string[] known)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Context.Error(path, "must be an object");
            return false;
        }

        if (strict && known.Length > 0)
        {
            foreach (var property in element.EnumerateObject())
            {
                if (!known.Contains(property.Name, StringComparer.Ordinal))
                {
                    Context.Error($"{path}.{property.Name}", "unknown field");
                }
            }
        }

        return true;
    }

    public bool Array(JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.Array)
        {
            return true;
        }

        Context.Error(path, "must be a list");
        return false;
    }

    public string? Enum(JsonElement parent, string name, string path, params string[] allowed)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || !allowed.Contains(value.GetString(), StringComparer.Ordinal))
        {
            Context.Error(path, $"{value.GetRawText()} is not valid, must be one of {string.Join(", ", allowed)}");
            return null;
        }

        return value.GetString();
    }

    public void RequiredString(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(value.GetString()))
        {
            Context.Error($"{path}.{name}", "is required");
        }
    }

    public void StringList(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var list))
        {
            return;
        }

        if (!Array(list, $"{path}.{name}"))
        {
            return;
        }

        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
            {
                Context.Error($"{path}.{name}[{i}]", "must be a string");
            }

            i++;
        }
    }
}
