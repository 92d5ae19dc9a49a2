using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation;
using Mesh.Routing.Compilation;

namespace Mesh.Istio.Analysis;

/// <summary>
/// Cross-resource checks in the spirit of <c>istioctl analyze</c>: every resource is validated, then references between
/// resources are resolved against the set plus the resources that already exist (the registry and stored config).
/// </summary>
public static class ConfigAnalyzer
{
    /// <summary>
    /// Analyzes <paramref name="resources"/> (the ones being applied). <paramref name="existing"/> are resources already
    /// stored; one with the same kind/namespace/name as an applied resource is replaced by it.
    /// </summary>
    public static IReadOnlyList<ValidationMessage> Analyze(IReadOnlyCollection<MeshResource> resources, IReadOnlyCollection<MeshResource>? existing = null, ProxyCompilerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(resources);
        var messages = new List<ValidationMessage>();
        var valid = new List<MeshResource>();
        foreach (var resource in resources)
        {
            var errors = ResourceValidator.Validate(resource);
            foreach (var error in errors)
            {
                messages.Add(error with { Message = $"{Display(resource)}: {error.Message}" });
            }

            if (errors.Count == 0)
            {
                valid.Add(resource);
            }
        }

        var applied = valid.Select(r => r.Key).ToHashSet();
        var all = (existing ?? []).Where(r => !applied.Contains(r.Key) && ResourceValidator.Validate(r, strict: false).Count == 0).Concat(valid).ToList();
        var catalog = ReferenceCatalog.Build(all, new HostNames((options ?? new ProxyCompilerOptions()).ClusterDomain));
        foreach (var resource in valid)
        {
            switch (resource.Kind)
            {
                case ResourceKinds.VirtualService:
                    VirtualServiceReferences(resource, MeshJson.FromElement<VirtualServiceSpec>(resource.Spec)!, catalog, messages);
                    break;
                case ResourceKinds.DestinationRule:
                    var rule = MeshJson.FromElement<DestinationRuleSpec>(resource.Spec)!;
                    var host = catalog.Resolve(rule.Host!, resource.Key.Namespace);
                    if (!catalog.IsKnownHost(host))
                    {
                        messages.Add(NotFound("spec.host", $"{Display(resource)}: spec.host \"{rule.Host}\" not found (no Service or ServiceEntry for {host})"));
                    }

                    break;
                default:
                    break;
            }
        }

        return messages;
    }

    private static void VirtualServiceReferences(MeshResource resource, VirtualServiceSpec spec, ReferenceCatalog catalog, List<ValidationMessage> messages)
    {
        var ns = resource.Key.Namespace;
        var gateways = spec.Gateways ?? [];
        for (var i = 0; i < gateways.Count; i++)
        {
            var qualified = RouteScopeName(gateways[i], ns);
            if (qualified != "mesh" && !catalog.Gateways.Contains(qualified))
            {
                messages.Add(NotFound($"spec.gateways[{i}]", $"{Display(resource)}: spec.gateways[{i}] Gateway \"{qualified}\" not found"));
            }
        }

        var http = spec.Http ?? [];
        for (var i = 0; i < http.Count; i++)
        {
            var route = http[i].Route ?? [];
            for (var j = 0; j < route.Count; j++)
            {
                Destination(resource, route[j].Destination!, $"spec.http[{i}].route[{j}].destination", catalog, messages);
            }

            if (http[i].Mirror is { } mirror)
            {
                Destination(resource, mirror, $"spec.http[{i}].mirror", catalog, messages);
            }
        }

        if (gateways.Count == 0 || gateways.Contains("mesh"))
        {
            foreach (var host in spec.Hosts ?? [])
            {
                var claimants = catalog.MeshVirtualServices(catalog.Resolve(host, ns));
                if (claimants.Count > 1 && claimants[0] != resource.Key)
                {
                    messages.Add(new ValidationMessage(ValidationSeverity.Warning, ValidationMessage.ConflictingVirtualService, "spec.hosts",
                        $"{Display(resource)}: host {catalog.Resolve(host, ns)} is also routed by VirtualService {claimants[0].Namespace}/{claimants[0].Name}; sidecars use only the oldest ({claimants[0].Namespace}/{claimants[0].Name})"));
                }
            }
        }
    }

    private static void Destination(MeshResource resource, Destination destination, string path, ReferenceCatalog catalog, List<ValidationMessage> messages)
    {
        var fqdn = catalog.Resolve(destination.Host!, resource.Key.Namespace);
        if (!catalog.IsKnownHost(fqdn))
        {
            messages.Add(NotFound($"{path}.host", $"{Display(resource)}: {path}.host \"{destination.Host}\" not found (no Service or ServiceEntry for {fqdn})"));
            return;
        }

        if (destination.Subset is { } subset && !catalog.HasSubset(fqdn, subset))
        {
            var where = catalog.HasRule(fqdn) ? $"in DestinationRule for {destination.Host}" : $"(no DestinationRule for {destination.Host})";
            messages.Add(NotFound($"{path}.subset", $"{Display(resource)}: {path}.subset \"{subset}\" not found {where}"));
        }
    }

    private static string RouteScopeName(string reference, string ns) =>
        reference == "mesh" || reference.Contains('/', StringComparison.Ordinal) ? reference : $"{ns}/{reference}";

    private static ValidationMessage NotFound(string path, string message) =>
        new(ValidationSeverity.Warning, ValidationMessage.ReferencedResourceNotFound, path, message);

    private static string Display(MeshResource resource) => $"{resource.Kind} {resource.Key.Namespace}/{resource.Metadata.Name}";
}
