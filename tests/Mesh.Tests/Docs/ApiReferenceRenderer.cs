using System.Text;
using System.Text.Json;

namespace Mesh.Tests.Docs;

/// <summary>
/// Renders the silo's OpenAPI document as docs/api.md: one table of operations per resource group, then every schema
/// with its properties. Only the document's content is used, in its own order, so the output is reproducible.
/// </summary>
internal static class ApiReferenceRenderer
{
    public static string Render(JsonElement openApi)
    {
        var md = new StringBuilder();
        md.Append("# Silo REST API reference\n\n")
          .Append("<!-- Generated from the silo's /openapi/v1.json by scripts/generate-api-docs.sh; do not edit by hand. -->\n\n")
          .Append($"{openApi.GetProperty("info").GetProperty("title").GetString()}, version {openApi.GetProperty("info").GetProperty("version").GetString()}, ")
          .Append($"OpenAPI {openApi.GetProperty("openapi").GetString()}. Reads need a token only with `Mesh:ProtectReads`; writes need the admin ")
          .Append("token (`Authorization: Bearer ...`); `POST /api/v1/certificates` takes a join token or the current SVID instead ")
          .Append("(docs/security.md). Errors are JSON with a message naming the field at fault (4xx), or 503 while the database is unreachable.\n\n")
          .Append("## Operations\n");

        var operations = openApi.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(op => (Path: path.Name, Method: op.Name.ToUpperInvariant(), Op: op.Value)));
        foreach (var group in operations.GroupBy(o => Group(o.Path)))
        {
            md.Append($"\n### {group.Key}\n\n| method | path | parameters | request body | responses |\n|---|---|---|---|---|\n");
            foreach (var (path, method, op) in group)
            {
                md.Append($"| {method} | `{path}` | {Parameters(op)} | {Body(op)} | {Responses(op)} |\n");
            }
        }

        md.Append("\n## Schemas\n");
        if (openApi.TryGetProperty("components", out var components) && components.TryGetProperty("schemas", out var schemas))
        {
            foreach (var schema in schemas.EnumerateObject())
            {
                md.Append($"\n### {schema.Name}\n\n");
                if (!schema.Value.TryGetProperty("properties", out var properties))
                {
                    md.Append($"{Type(schema.Value)}\n");
                    continue;
                }

                md.Append("| property | type |\n|---|---|\n");
                foreach (var property in properties.EnumerateObject())
                {
                    md.Append($"| `{property.Name}` | {Type(property.Value)} |\n");
                }
            }
        }

        return md.ToString();
    }

    /// <summary>The resource a path is about: the first segment after /api/v1 and an optional namespaces/{ns}.</summary>
    private static string Group(string path)
    {
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).SkipWhile(s => s is "api" or "v1").ToList();
        if (segments.Count > 2 && segments[0] == "namespaces")
        {
            segments = segments[2..];
        }

        return segments.FirstOrDefault() ?? "/";
    }

    private static string Parameters(JsonElement op) =>
        !op.TryGetProperty("parameters", out var parameters) ? "" : string.Join(", ", parameters.EnumerateArray().Select(p =>
            $"`{p.GetProperty("name").GetString()}` ({p.GetProperty("in").GetString()}{(p.TryGetProperty("required", out var r) && r.GetBoolean() ? ", required" : "")}{(p.TryGetProperty("schema", out var s) ? ", " + Type(s) : "")})"));

    private static string Body(JsonElement op) =>
        !op.TryGetProperty("requestBody", out var body) || !body.TryGetProperty("content", out var content) ? "" :
        string.Join("<br>", content.EnumerateObject().Select(c => $"{c.Name}{(c.Value.TryGetProperty("schema", out var s) ? ": " + Type(s) : "")}"));

    private static string Responses(JsonElement op) =>
        !op.TryGetProperty("responses", out var responses) ? "" : string.Join("<br>", responses.EnumerateObject().Select(r =>
        {
            var schema = r.Value.TryGetProperty("content", out var content)
                ? content.EnumerateObject().Select(c => c.Value.TryGetProperty("schema", out var s) ? Type(s) : null).FirstOrDefault(t => t is not null)
                : null;
            return $"{r.Name} {r.Value.GetProperty("description").GetString()}{(schema is null ? "" : ": " + schema)}";
        }));

    private static string Type(JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            return $"[{name}](#{name.ToLowerInvariant()})";
        }

        var type = !schema.TryGetProperty("type", out var t) ? "any"
            : t.ValueKind == JsonValueKind.Array ? string.Join(" \\| ", t.EnumerateArray().Select(x => x.GetString()))
            : t.GetString()!;
        if (schema.TryGetProperty("items", out var items))
        {
            type += " of " + Type(items);
        }

        if (schema.TryGetProperty("additionalProperties", out var values) && values.ValueKind == JsonValueKind.Object)
        {
            type += " of " + Type(values);
        }

        return schema.TryGetProperty("format", out var format) ? $"{type} ({format.GetString()})" : type;
    }
}
