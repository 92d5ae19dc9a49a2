using System.Text.Json;
using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Routing.Compilation;

/// <summary>A resource with its spec read into the typed record.</summary>
internal sealed record Typed<T>(MeshResource Resource, T Spec)
{
    public string Namespace => Resource.Metadata.Namespace ?? "default";
    public string Name => Resource.Metadata.Name;
    public string Display => $"{Resource.Kind} {Namespace}/{Name}";
}

/// <summary>
/// The input split by kind, each list in "creation order". The store keeps no creation time, so the order is the
/// resource version (revision of the last write), then namespace/name; that is stable and deterministic.
/// </summary>
internal sealed class ResourceIndex
{
    public List<Typed<ServiceSpec>> Services { get; } = [];
    public List<Typed<EndpointSpec>> Endpoints { get; } = [];
    public List<Typed<VirtualServiceSpec>> VirtualServices { get; } = [];
    public List<Typed<DestinationRuleSpec>> DestinationRules { get; } = [];
    public List<Typed<GatewaySpec>> Gateways { get; } = [];
    public List<Typed<ServiceEntrySpec>> ServiceEntries { get; } = [];
    public List<Typed<WorkloadEntrySpec>> WorkloadEntries { get; } = [];
    public List<Typed<SidecarSpec>> Sidecars { get; } = [];
    public List<MeshResource> PeerAuthentications { get; } = [];
    public List<MeshResource> AuthorizationPolicies { get; } = [];
    public List<MeshResource> RequestAuthentications { get; } = [];

    public static ResourceIndex Build(IReadOnlyCollection<MeshResource> resources, List<string> warnings)
    {
        var index = new ResourceIndex();
        foreach (var resource in resources.OrderBy(r => r.Version).ThenBy(r => r.Metadata.Namespace, StringComparer.Ordinal).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal))
        {
            switch (resource.Kind)
            {
                case ResourceKinds.Service: Add(index.Services, resource, warnings); break;
                case ResourceKinds.Endpoint: Add(index.Endpoints, resource, warnings); break;
                case ResourceKinds.VirtualService: Add(index.VirtualServices, resource, warnings); break;
                case ResourceKinds.DestinationRule: Add(index.DestinationRules, resource, warnings); break;
                case ResourceKinds.Gateway: Add(index.Gateways, resource, warnings); break;
                case ResourceKinds.ServiceEntry: Add(index.ServiceEntries, resource, warnings); break;
                case ResourceKinds.WorkloadEntry: Add(index.WorkloadEntries, resource, warnings); break;
                case ResourceKinds.Sidecar: Add(index.Sidecars, resource, warnings); break;
                case ResourceKinds.PeerAuthentication: index.PeerAuthentications.Add(resource); break;
                case ResourceKinds.AuthorizationPolicy: index.AuthorizationPolicies.Add(resource); break;
                case ResourceKinds.RequestAuthentication: index.RequestAuthentications.Add(resource); break;
                default: break;
            }
        }

        return index;
    }

    private static void Add<T>(List<Typed<T>> list, MeshResource resource, List<string> warnings)
        where T : class
    {
        try
        {
            var spec = MeshJson.FromElement<T>(resource.Spec);
            if (spec is null)
            {
                warnings.Add($"{resource.Kind} {resource.Key.Namespace}/{resource.Metadata.Name}: spec is missing; ignored");
                return;
            }

            list.Add(new Typed<T>(resource, spec));
        }
        catch (JsonException e)
        {
            warnings.Add($"{resource.Kind} {resource.Key.Namespace}/{resource.Metadata.Name}: spec{Path(e)} is invalid ({e.Message}); ignored");
        }
    }

    private static string Path(JsonException e) => e.Path is { Length: > 1 } p ? p[1..] : "";
}
