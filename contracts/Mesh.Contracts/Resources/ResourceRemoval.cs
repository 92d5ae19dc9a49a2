using System.Text.Json.Serialization;

namespace Mesh.Contracts.Resources;

/// <summary>A deleted resource in a delta: its key and the revision of the deletion.</summary>
public sealed record ResourceRemoval(string Kind, string Namespace, string Name, long Version)
{
    [JsonIgnore]
    public ResourceKey Key => new(Kind, Namespace, Name);
}
