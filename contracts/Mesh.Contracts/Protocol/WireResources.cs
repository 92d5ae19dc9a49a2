using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;

namespace Mesh.Contracts.Protocol;

/// <summary>
/// Converts between the domain types and the protobuf messages of <c>discovery.proto</c>. Resource bodies travel as
/// the MeshJson bytes of <see cref="MeshResource"/>, so both ends keep the Istio/Kubernetes shape they compile.
/// </summary>
public static class WireResources
{
    /// <summary>The key a resource has on the wire: <c>Kind/namespace/name</c>.</summary>
    public static string Key(ResourceKey key) => key.ToString();

    /// <summary>Parses a wire key; false when it does not have three non-empty parts.</summary>
    public static bool TryParseKey(string text, out ResourceKey key)
    {
        key = default;
        var parts = text.Split('/');
        if (parts.Length != 3 || parts.Any(string.IsNullOrEmpty))
        {
            return false;
        }

        key = new ResourceKey(parts[0], parts[1], parts[2]);
        return true;
    }

    public static string Version(long version) => version.ToString(CultureInfo.InvariantCulture);

    public static bool TryParseVersion(string text, out long version) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out version);

    public static Resource ToWire(MeshResource resource) => new()
    {
        Kind = resource.Key.Kind,
        Namespace = resource.Key.Namespace,
        Name = resource.Key.Name,
        Version = Version(resource.Version),
        Body = UnsafeByteOperations.UnsafeWrap(JsonSerializer.SerializeToUtf8Bytes(resource, MeshJson.Options.TypeInfo<MeshResource>())),
    };

    /// <summary>The resource in a response; throws <see cref="InvalidDataException"/> when the body does not match its key.</summary>
    public static MeshResource FromWire(Resource wire)
    {
        MeshResource? resource;
        try
        {
            resource = JsonSerializer.Deserialize(wire.Body.Span, MeshJson.Options.TypeInfo<MeshResource>());
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"resource {wire.Kind}/{wire.Namespace}/{wire.Name}: body is not valid JSON: {ex.Message}", ex);
        }

        if (resource is null || resource.Key != new ResourceKey(wire.Kind, wire.Namespace, wire.Name))
        {
            throw new InvalidDataException($"resource {wire.Kind}/{wire.Namespace}/{wire.Name}: body is a different resource");
        }

        return resource;
    }

    public static Node ToWire(NodeInfo node)
    {
        var wire = new Node { Id = node.Id, Namespace = node.Namespace, Service = node.Service ?? "", Zone = node.Zone ?? "" };
        foreach (var (name, value) in node.Labels ?? new Dictionary<string, string>())
        {
            wire.Labels[name] = value;
        }

        if (node.Dependencies is not null)
        {
            wire.Dependencies = new Dependencies();
            wire.Dependencies.Hosts.Add(node.Dependencies);
        }

        return wire;
    }

    public static NodeInfo FromWire(Node node) => new()
    {
        Id = node.Id,
        Namespace = node.Namespace,
        Service = node.Service is { Length: > 0 } service ? service : null,
        Labels = node.Labels.Count == 0 ? null : new Dictionary<string, string>(node.Labels),
        Zone = node.Zone is { Length: > 0 } zone ? zone : null,
        Dependencies = node.Dependencies is null ? null : [.. node.Dependencies.Hosts],
    };
}
