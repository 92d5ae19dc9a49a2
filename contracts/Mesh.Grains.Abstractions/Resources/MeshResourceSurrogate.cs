using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;

namespace Mesh.Grains.Resources;

/// <summary>
/// How a <see cref="MeshResource"/> crosses silos in a grain call: its spec is free-form JSON, so it travels as the
/// same UTF-8 JSON the API and the store use. Registered with Orleans by attribute, so every silo and test cluster
/// that loads the grain interfaces can serialize it without configuration.
/// </summary>
[GenerateSerializer]
[Alias("mesh.resources.resource-json.v1")]
public struct MeshResourceSurrogate
{
    [Id(0)]
    public byte[] Json;
}

[RegisterConverter]
public sealed class MeshResourceSurrogateConverter : IConverter<MeshResource, MeshResourceSurrogate>
{
    public MeshResource ConvertFromSurrogate(in MeshResourceSurrogate surrogate) =>
        JsonSerializer.Deserialize<MeshResource>(surrogate.Json, MeshJson.Options)
        ?? throw new JsonException("a grain call carried a null resource");

    public MeshResourceSurrogate ConvertToSurrogate(in MeshResource value) =>
        new() { Json = JsonSerializer.SerializeToUtf8Bytes(value, MeshJson.Options) };
}
