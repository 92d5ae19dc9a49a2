using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Istio.Validation;

/// <summary>
/// Whether a spec property may be JSON null, read from its C# nullable annotation: <c>string? Subset</c> may,
/// <c>string Host</c> may not (the deserializer would store the null and the rules would dereference it).
/// </summary>
internal static class Nullability
{
    private static readonly ConcurrentDictionary<JsonPropertyInfo, bool> Cache = new();

    public static bool Allows(JsonPropertyInfo property) => Cache.GetOrAdd(property, static p =>
    {
        if (p.PropertyType.IsValueType)
        {
            return Nullable.GetUnderlyingType(p.PropertyType) is not null;
        }

        // NullabilityInfoContext is not thread-safe; one per lookup is cheap and happens once per property.
        var context = new NullabilityInfoContext();
        var state = p.AttributeProvider switch
        {
            PropertyInfo property => context.Create(property).WriteState,
            FieldInfo field => context.Create(field).WriteState,
            _ => NullabilityState.Unknown,
        };
        return state != NullabilityState.NotNull;
    });
}
