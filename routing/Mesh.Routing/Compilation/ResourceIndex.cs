using Mesh.Contracts.Istio.Networking;
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
    public List<Typed<Contracts.Inference.InferencePoolSpec>> InferencePools { get; } = [];
    public List<Typed<Contracts.Federation.ImportedServiceSpec>> ImportedServices { get; } = [];

    /// <summary>The mesh's trust domain as its CA publishes it in the TrustBundle; null when there is none yet.</summary>
    public string? TrustDomain { get; private set; }

    /// <summary>
    /// Indexes what a node in <paramref name="nodeNamespace"/> may see: VirtualServices, DestinationRules and
    /// ServiceEntries whose <c>exportTo</c> leaves that namespace out are skipped, as Istio does for sidecars and gateways.
    /// </summary>
    public static ResourceIndex Build(IReadOnlyCollection<MeshResource> resources, SpecCache cache, List<string> warnings, string nodeNamespace)
    {
        var index = new ResourceIndex();
        foreach (var resource in resources.OrderBy(r => r.Version).ThenBy(r => r.Metadata.Namespace, StringComparer.Ordinal).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal))
        {
            switch (resource.Kind)
            {
                case ResourceKinds.Service: Add(index.Services, resource, cache, warnings); break;
                case ResourceKinds.Endpoint: Add(index.Endpoints, resource, cache, warnings); break;
                case ResourceKinds.VirtualService: Add(index.VirtualServices, resource, cache, warnings, s => VisibleTo(s.ExportTo, resource, nodeNamespace)); break;
                case ResourceKinds.DestinationRule: Add(index.DestinationRules, resource, cache, warnings, s => VisibleTo(s.ExportTo, resource, nodeNamespace)); break;
                case ResourceKinds.Gateway: Add(index.Gateways, resource, cache, warnings); break;
                case ResourceKinds.ServiceEntry: Add(index.ServiceEntries, resource, cache, warnings, s => VisibleTo(s.ExportTo, resource, nodeNamespace)); break;
                case ResourceKinds.WorkloadEntry: Add(index.WorkloadEntries, resource, cache, warnings); break;
                case ResourceKinds.Sidecar: Add(index.Sidecars, resource, cache, warnings); break;
                case ResourceKinds.PeerAuthentication: index.PeerAuthentications.Add(resource); break;
                case ResourceKinds.AuthorizationPolicy: index.AuthorizationPolicies.Add(resource); break;
                case ResourceKinds.RequestAuthentication: index.RequestAuthentications.Add(resource); break;
                case ResourceKinds.InferencePool: Add(index.InferencePools, resource, cache, warnings); break;
                case ResourceKinds.ImportedService: Add(index.ImportedServices, resource, cache, warnings); break;
                case ResourceKinds.TrustBundle: index.TrustDomain = cache.Get<Contracts.Certificates.TrustBundleSpec>(resource, out _)?.TrustDomain; break;
                default: break;
            }
        }

        return index;
    }

    /// <summary>
    /// Istio's <c>exportTo</c>: nothing or <c>*</c> is every namespace, <c>.</c> the resource's own, a name that
    /// namespace, and <c>~</c> (ServiceEntry only) none.
    /// </summary>
    internal static bool VisibleTo(IReadOnlyList<string>? exportTo, MeshResource resource, string nodeNamespace) =>
        exportTo is not { Count: > 0 }
        || exportTo.Any(e => e == "*" || e == nodeNamespace || (e == "." && (resource.Metadata.Namespace ?? "default") == nodeNamespace));

    private static void Add<T>(List<Typed<T>> list, MeshResource resource, SpecCache cache, List<string> warnings, Func<T, bool>? visible = null)
        where T : class
    {
        if (cache.Get<T>(resource, out var error) is { } spec)
        {
            if (visible is null || visible(spec))
            {
                list.Add(new Typed<T>(resource, spec));
            }
        }
        else
        {
            warnings.Add($"{resource.Kind} {resource.Key.Namespace}/{resource.Metadata.Name}: {error}; ignored");
        }
    }
}
