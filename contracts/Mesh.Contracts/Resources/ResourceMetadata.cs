using System.Text.Json.Serialization;

namespace Mesh.Contracts.Resources;

/// <summary>Kubernetes-shaped metadata. <see cref="ResourceVersion"/> is the store revision of the last write.</summary>
public sealed record ResourceMetadata
{
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string? Namespace { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    /// <summary>Optimistic-concurrency token. Sent back on a write, a stale value yields 409 Conflict.</summary>
    [JsonNumberHandling(JsonNumberHandling.AllowReadingFromString)]
    public long? ResourceVersion { get; init; }
}
