using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Mesh.Contracts.Json;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Validation;

/// <summary>
/// Checks a spec against the typed record it must deserialize into, reporting every type mismatch and (in strict mode)
/// every unknown field with its path, instead of the serializer's single first failure. Field names must match the
/// Istio camelCase spelling exactly. Istio fields the mesh accepts without enforcing (<see cref="IstioFields"/>) are
/// checked against their own shape and reported once each as a warning; nothing inside such a field warns again.
/// </summary>
internal static class SchemaWalker
{
    /// <param name="nullable">Whether JSON null may stand here; the typed rules would dereference it otherwise.</param>
    /// <param name="noted">Inside a field already reported as not enforced.</param>
    public static void Walk(JsonElement element, Type type, string path, bool strict, ValidationContext context, int depth = 0, bool nullable = true, bool noted = false)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(JsonElement) || depth > 32)
        {
            return;
        }

        if (element.ValueKind == JsonValueKind.Null)
        {
            if (!nullable || (type.IsValueType && underlying == type))
            {
                context.Error(path, "must not be null (leave the field out instead)");
            }

            return;
        }

        if (underlying == typeof(string))
        {
            Expect(element, JsonValueKind.String, "a string", path, context);
        }
        else if (underlying == typeof(bool))
        {
            if (element.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                context.Error(path, $"must be true or false, found {Describe(element)}");
            }
        }
        else if (underlying == typeof(int) || underlying == typeof(long))
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var value) || (underlying == typeof(int) && value is < int.MinValue or > int.MaxValue))
            {
                context.Error(path, $"must be an integer, found {Describe(element)}");
            }
        }
        else if (underlying == typeof(double))
        {
            Expect(element, JsonValueKind.Number, "a number", path, context);
        }
        else if (underlying.IsEnum)
        {
            if (element.ValueKind != JsonValueKind.String || !Enum.GetNames(underlying).Contains(element.GetString(), StringComparer.OrdinalIgnoreCase))
            {
                context.Error(path, $"{Describe(element)} is not valid, must be one of {string.Join(", ", Enum.GetNames(underlying))}");
            }
        }
        else
        {
            WalkComposite(element, MeshJson.Options.GetTypeInfo(underlying), path, strict, context, depth, noted);
        }
    }

    private static void WalkComposite(JsonElement element, JsonTypeInfo info, string path, bool strict, ValidationContext context, int depth, bool noted)
    {
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Dictionary:
                if (Expect(element, JsonValueKind.Object, "an object", path, context))
                {
                    foreach (var property in element.EnumerateObject())
                    {
                        Walk(property.Value, info.ElementType!, $"{path}.{property.Name}", strict, context, depth + 1, nullable: false, noted);
                    }
                }

                break;
            case JsonTypeInfoKind.Enumerable:
                if (Expect(element, JsonValueKind.Array, "a list", path, context))
                {
                    var i = 0;
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item, info.ElementType!, $"{path}[{i++}]", strict, context, depth + 1, nullable: false, noted);
                    }
                }

                break;
            case JsonTypeInfoKind.Object:
                if (Expect(element, JsonValueKind.Object, "an object", path, context))
                {
                    foreach (var property in element.EnumerateObject())
                    {
                        var match = info.Properties.FirstOrDefault(p => p.Name == property.Name);
                        var note = IstioFields.Find(info.Type, property.Name);
                        var fieldPath = $"{path}.{property.Name}";
                        if (note is not null && !noted && property.Value.ValueKind != JsonValueKind.Null && (note.Matters?.Invoke(property.Value) ?? true))
                        {
                            context.Warning(note.Code, fieldPath, Describe(note));
                        }

                        if (match is not null)
                        {
                            Walk(property.Value, match.PropertyType, fieldPath, strict, context, depth + 1, Nullability.Allows(match), noted || note is not null);
                            AllowedValues(property.Value, match, fieldPath, context);
                        }
                        else if (note?.Shape is { } shape)
                        {
                            Walk(property.Value, shape, fieldPath, strict, context, depth + 1, nullable: true, noted: true);
                        }
                        else
                        {
                            var hint = info.Properties.FirstOrDefault(p => p.Name.Equals(property.Name, StringComparison.OrdinalIgnoreCase));
                            if (strict)
                            {
                                context.Error($"{path}.{property.Name}", hint is null ? "unknown field" : $"unknown field (did you mean \"{hint.Name}\"?)");
                            }

                            // The deserializer matches names case-insensitively, so "Route" still lands in route: check it as such.
                            if (hint is not null)
                            {
                                Walk(property.Value, hint.PropertyType, fieldPath, strict, context, depth + 1, Nullability.Allows(hint), noted);
                            }
                        }
                    }
                }

                break;
            default:
                break;
        }
    }

    private static string Describe(FieldNote note) => note.Code == IstioFields.NotApplicable
        ? $"accepted, not applicable without Kubernetes: {note.Why}"
        : $"accepted, not enforced yet: {note.Why}";

    private static void AllowedValues(JsonElement element, JsonPropertyInfo property, string path, ValidationContext context)
    {
        if (element.ValueKind == JsonValueKind.String &&
            property.AttributeProvider?.GetCustomAttributes(typeof(IstioEnumAttribute), inherit: false) is [IstioEnumAttribute allowed, ..])
        {
            context.OneOf(path, element.GetString(), [.. allowed.Values]);
        }
    }

    private static bool Expect(JsonElement element, JsonValueKind kind, string what, string path, ValidationContext context)
    {
        if (element.ValueKind == kind)
        {
            return true;
        }

        context.Error(path, $"must be {what}, found {Describe(element)}");
        return false;
    }

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => $"\"{element.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => element.GetRawText(),
    };
}
