using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// Validates the first request of a stream. Every problem becomes an InvalidArgument status that names the field and
/// the value, so a third-party client learns what to fix.
/// </summary>
internal static class FirstRequest
{
    public const int MaxIdLength = 253;

    public static (NodeInfo Node, IReadOnlyDictionary<ResourceKey, long> Held) Parse(SubscribeRequest request)
    {
        if (request.MessageCase != SubscribeRequest.MessageOneofCase.Subscribe)
        {
            throw DiscoveryService.Invalid($"the first request must be subscribe, got {Describe(request.MessageCase)}");
        }

        var subscribe = request.Subscribe;
        var node = subscribe.Node ?? throw DiscoveryService.Invalid("subscribe.node is required");
        var problem = node switch
        {
            { Id: "" } => "subscribe.node.id is required",
            { Id.Length: > MaxIdLength } => $"subscribe.node.id is longer than {MaxIdLength} characters",
            { Namespace: "" } => "subscribe.node.namespace is required",
            _ => null,
        };
        if (problem is not null)
        {
            throw DiscoveryService.Invalid(problem);
        }

        var held = new Dictionary<ResourceKey, long>(subscribe.InitialResourceVersions.Count);
        foreach (var (text, versionText) in subscribe.InitialResourceVersions)
        {
            if (!WireResources.TryParseKey(text, out var key))
            {
                throw DiscoveryService.Invalid($"subscribe.initial_resource_versions key '{Clip(text)}' is not Kind/namespace/name");
            }

            if (key.Kind is not (ResourceKinds.Service or ResourceKinds.Endpoint or ResourceKinds.TrustBundle) && !ResourceKinds.IsConfigKind(key.Kind))
            {
                throw DiscoveryService.Invalid($"subscribe.initial_resource_versions key '{Clip(text)}' has unknown kind '{Clip(key.Kind)}'");
            }

            if (!WireResources.TryParseVersion(versionText, out var version))
            {
                throw DiscoveryService.Invalid($"subscribe.initial_resource_versions['{Clip(text)}'] version '{Clip(versionText)}' is not a non-negative number");
            }

            held[key] = version;
        }

        return (WireResources.FromWire(node), held);
    }

    private static string Describe(SubscribeRequest.MessageOneofCase kind) =>
        kind == SubscribeRequest.MessageOneofCase.None ? "a request with no message set" : kind.ToString().ToLowerInvariant();

    private static string Clip(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
