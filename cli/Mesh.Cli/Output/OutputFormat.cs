using System.Text.Json;
using Mesh.Contracts.Json;

namespace Mesh.Cli.Output;

internal enum OutputFormat
{
    Table,
    Yaml,
    Json,
}

/// <summary>Writes API values as indented JSON or YAML; a list is wrapped as kubectl does (<c>kind: List</c>, <c>items</c>).</summary>
internal static class StructuredOutput
{
    private static readonly JsonSerializerOptions Indented = new(MeshJson.Options) { WriteIndented = true };

    public static OutputFormat Parse(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "table" or "wide" => OutputFormat.Table,
        "yaml" or "yml" => OutputFormat.Yaml,
        "json" => OutputFormat.Json,
        _ => throw new CliException(ExitCodes.Usage, $"output format '{value}' is not one of table, yaml, json"),
    };

    public static JsonElement List(IEnumerable<JsonElement> items) =>
        JsonSerializer.SerializeToElement(new { apiVersion = "v1", kind = "List", items = items.ToList() }, MeshJson.Options);

    public static void Write(TextWriter output, OutputFormat format, JsonElement value)
    {
        if (format == OutputFormat.Yaml)
        {
            output.Write(YamlText.From(value));
        }
        else
        {
            output.WriteLine(JsonSerializer.Serialize(value, Indented));
        }
    }
}
