using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Mesh.Contracts.Json;

/// <summary>The one JSON configuration used on the wire, in the store and in the admin API.</summary>
public static class MeshJson
{
    internal const int MaxDepth = 64;

    /// <summary>The options for the wire types (<see cref="MeshJsonContext"/>), and any type when reflection is on.</summary>
    public static readonly JsonSerializerOptions Options = CreateOptions();

    /// <summary>
    /// The same settings, resolving types first from <paramref name="resolvers"/> (a component's own source-generated
    /// context), then from the wire types' context, then (only where reflection-based JSON is enabled: silo, meshctl,
    /// tests, never the NativeAOT sidecar) by reflection.
    /// </summary>
    public static JsonSerializerOptions CreateOptions(params IJsonTypeInfoResolver[] resolvers)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            MaxDepth = MaxDepth,
            // Error messages quote user values with '; keep them readable. These bodies are JSON, never HTML.
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        foreach (var resolver in resolvers)
        {
            options.TypeInfoResolverChain.Add(resolver);
        }

        options.TypeInfoResolverChain.Add(MeshJsonContext.Default);
        if (JsonSerializer.IsReflectionEnabledByDefault)
        {
            AddReflection(options);
        }

        options.MakeReadOnly();
        return options;
    }

    /// <summary>The serialization metadata of <typeparamref name="T"/> under <paramref name="options"/>.</summary>
    public static JsonTypeInfo<T> TypeInfo<T>(this JsonSerializerOptions options) => (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));

    /// <summary>Serializes a value to a <see cref="JsonElement"/> using <see cref="Options"/>.</summary>
    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, Options.TypeInfo<T>());

    /// <summary>Reads a spec element as a typed record.</summary>
    public static T? FromElement<T>(JsonElement element) =>
        element.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null ? default : element.Deserialize(Options.TypeInfo<T>());

    // The feature switch JsonSerializer.IsReflectionEnabledByDefault is false in the NativeAOT sidecar, whose
    // trimmer then removes this call; where it is true the program is not trimmed and reflection is available.
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Only reached when reflection-based JSON is enabled, which the trimmed sidecar turns off.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Only reached when reflection-based JSON is enabled, which the NativeAOT sidecar turns off.")]
    private static void AddReflection(JsonSerializerOptions options)
    {
        options.TypeInfoResolverChain.Add(new DefaultJsonTypeInfoResolver());
        options.Converters.Add(new JsonStringEnumConverter());
    }
}
