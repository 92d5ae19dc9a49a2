using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Contracts.Resources;

/// <summary>
/// A configuration resource in the Kubernetes/Istio shape. Everything the control plane stores
/// (services, endpoints, Istio resources) is one of these, so one change log and one delta format cover all.
/// </summary>
public sealed record MeshResource
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public ResourceMetadata Metadata { get; set; } = new();

    public JsonElement Spec { get; init; }

    [JsonIgnore]
    public ResourceKey Key => new(Kind, Metadata.Namespace ?? "default", Metadata.Name);

    [JsonIgnore]
    public long Version => Metadata.ResourceVersion ?? 0;
}
