using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Mesh.Contracts.Json;
using Mesh.Sidecar.Connections;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Listeners;
using Mesh.Sidecar.Security;

namespace Mesh.Tests.Sidecar.Aot;

/// <summary>
/// The NativeAOT sidecar reads and writes JSON only through the source-generated contexts, while the silo, meshctl
/// and these tests can fall back to reflection. The two must agree, or the shipped sidecar alone would see different
/// values: for example a property with a default that the generated code overwrites when the JSON omits it.
/// </summary>
public sealed class SourceGeneratedJsonTests
{
    private static readonly JsonSerializerOptions Reflection = new(MeshJson.Options) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    // Written by the sidecar's admin pages, never read back: their defaults do not depend on the JSON.
    private static readonly HashSet<Type> WrittenOnly =
        [typeof(AdminEndpoints.ConfigDump), typeof(CertificateAdmin.CertsView), typeof(IReadOnlyList<ListenerStatus>)];

    public static TheoryData<string, Type> GeneratedTypes()
    {
        var data = new TheoryData<string, Type>();
        foreach (var context in new JsonSerializerContext[] { MeshJsonContext.Default, SidecarJsonContext.Default })
        {
            var generated = new JsonSerializerOptions(MeshJson.Options) { TypeInfoResolver = context };
            var seen = new HashSet<Type>();
            foreach (var root in context.GetType().GetCustomAttributesData().Where(a => a.AttributeType == typeof(JsonSerializableAttribute)))
            {
                var type = (Type)root.ConstructorArguments[0].Value!;
                if (!WrittenOnly.Contains(type))
                {
                    Walk(type, generated, seen);
                }
            }

            foreach (var type in seen.OrderBy(t => t.FullName, StringComparer.Ordinal))
            {
                data.Add(context.GetType().Name, type);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GeneratedTypes))]
    public void EmptyObject_Generated_MatchesReflection(string context, Type type)
    {
        var generated = new JsonSerializerOptions(MeshJson.Options)
        {
            TypeInfoResolver = context == nameof(SidecarJsonContext) ? SidecarJsonContext.Default : MeshJsonContext.Default,
        };

        var fromGenerated = Read("{}", type, generated, out var generatedError);
        var fromReflection = Read("{}", type, Reflection, out var reflectionError);

        Assert.Equal(reflectionError is null, generatedError is null);
        Assert.Equal(Write(fromReflection, type), Write(fromGenerated, type));
    }

    private static object? Read(string json, Type type, JsonSerializerOptions options, out Exception? error)
    {
        error = null;
        try
        {
            return JsonSerializer.Deserialize(json, options.GetTypeInfo(type));
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            error = ex;
            return null;
        }
    }

    // An undefined JsonElement (a spec the JSON omitted) cannot be written; both sides must then fail alike.
    private static string Write(object? value, Type type)
    {
        try
        {
            return JsonSerializer.Serialize(value, type, Reflection);
        }
        catch (InvalidOperationException ex)
        {
            return $"cannot be written: {ex.Message}";
        }
    }

    private static void Walk(Type type, JsonSerializerOptions options, HashSet<Type> seen)
    {
        var info = options.GetTypeInfo(type);
        switch (info.Kind)
        {
            case JsonTypeInfoKind.Object when seen.Add(type):
                foreach (var property in info.Properties)
                {
                    Walk(property.PropertyType, options, seen);
                }

                break;
            case JsonTypeInfoKind.Enumerable or JsonTypeInfoKind.Dictionary when info.ElementType is { } element:
                Walk(element, options, seen);
                break;
            default:
                break;
        }
    }
}
