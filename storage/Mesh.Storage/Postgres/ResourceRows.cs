using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Npgsql;

namespace Mesh.Storage.Postgres;

/// <summary>Maps <see cref="MeshResource"/> to the columns of <c>mesh_resources</c> and back.</summary>
internal static class ResourceRows
{
    /// <summary>Select list matching <see cref="ReadResource"/> (prefix <c>r.</c> is the table alias).</summary>
    public const string Columns = "r.kind, r.namespace, r.name, r.api_version, r.labels, r.annotations, r.spec, r.version, r.lease_expires_at";

    public static MeshResource ReadResource(NpgsqlDataReader reader, int offset = 0) => new()
    {
        Kind = reader.GetString(offset),
        ApiVersion = reader.GetString(offset + 3),
        Metadata = new ResourceMetadata
        {
            Namespace = reader.GetString(offset + 1),
            Name = reader.GetString(offset + 2),
            Labels = ReadMap(reader, offset + 4),
            Annotations = ReadMap(reader, offset + 5),
            ResourceVersion = reader.GetInt64(offset + 7),
        },
        Spec = reader.IsDBNull(offset + 6) ? default : JsonSerializer.Deserialize<JsonElement>(reader.GetString(offset + 6)),
    };

    public static StoredResource ReadStored(NpgsqlDataReader reader) =>
        new(ReadResource(reader), reader.IsDBNull(8) ? null : ToOffset(reader.GetDateTime(8)));

    public static ResourceKey ReadKey(NpgsqlDataReader reader, int offset = 0) =>
        new(reader.GetString(offset), reader.GetString(offset + 1), reader.GetString(offset + 2));

    public static string? MapJson(IReadOnlyDictionary<string, string>? map) =>
        map is null ? null : JsonSerializer.Serialize(map, MeshJson.Options);

    public static string? SpecJson(JsonElement spec) =>
        spec.ValueKind == JsonValueKind.Undefined ? null : spec.GetRawText();

    public static DateTime? ToUtc(DateTimeOffset? value) => value?.UtcDateTime;

    public static DateTimeOffset ToOffset(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc), TimeSpan.Zero);

    public static DateTimeOffset? ToOffsetOrNull(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ToOffset(reader.GetDateTime(ordinal));

    /// <summary>Parameters <c>@kinds, @namespaces, @names</c> for <c>unnest(@kinds, @namespaces, @names)</c>.</summary>
    public static void AddKeyArrays(NpgsqlParameterCollection parameters, IReadOnlyCollection<ResourceKey> keys, string prefix = "")
    {
        parameters.AddWithValue(prefix + "kinds", keys.Select(k => k.Kind).ToArray());
        parameters.AddWithValue(prefix + "namespaces", keys.Select(k => k.Namespace).ToArray());
        parameters.AddWithValue(prefix + "names", keys.Select(k => k.Name).ToArray());
    }

    private static IReadOnlyDictionary<string, string>? ReadMap(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(ordinal), MeshJson.Options);
}
