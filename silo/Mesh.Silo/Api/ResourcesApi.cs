using Mesh.Contracts.Resources;
using Mesh.Silo.Policy;

namespace Mesh.Silo.Api;

/// <summary>Configuration resources (Istio kinds) under <c>/api/v1</c>.</summary>
internal static class ResourcesApi
{
    public static void MapResourcesApi(this RouteGroupBuilder api, RouteGroupBuilder writes)
    {
        api.MapGet("/resources/{kind}", (string kind, string? @namespace, [AsParameters] ListParameters list, HttpResponse response, PolicyLikeReads reads, CancellationToken ct) =>
            reads.ListAsync(KnownKind(kind), @namespace, list, response, ct));
        api.MapGet("/namespaces/{ns}/resources/{kind}", (string ns, string kind, [AsParameters] ListParameters list, HttpResponse response, PolicyLikeReads reads, CancellationToken ct) =>
            reads.ListAsync(KnownKind(kind), ns, list, response, ct));
        api.MapGet("/namespaces/{ns}/resources/{kind}/{name}", (string ns, string kind, string name, PolicyLikeReads reads, CancellationToken ct) =>
            reads.GetAsync(new ResourceKey(KnownKind(kind), ns, name), ct));

        writes.MapPost("/namespaces/{ns}/resources/{kind}", async (string ns, string kind, HttpRequest request, PolicyStore store, SiloOptions options, CancellationToken ct) =>
        {
            var resource = BindKind(RegistryApi.Bind(await RequestBody.ReadJsonAsync<MeshResource>(request, options, ct), ns, null), kind);
            var stored = await store.ApplyAsync(resource, createOnly: true, ct);
            return Results.Created(RegistryApi.Location($"resources/{stored.Kind}", ns, stored.Metadata.Name), stored);
        });
        writes.MapPut("/namespaces/{ns}/resources/{kind}/{name}", async (string ns, string kind, string name, HttpRequest request, PolicyStore store, SiloOptions options, CancellationToken ct) =>
        {
            var resource = BindKind(RegistryApi.Bind(await RequestBody.ReadJsonAsync<MeshResource>(request, options, ct), ns, name), kind);
            return Results.Ok(await store.ApplyAsync(resource, createOnly: false, ct));
        });
        writes.MapDelete("/namespaces/{ns}/resources/{kind}/{name}", (string ns, string kind, string name, long? resourceVersion, PolicyStore store, CancellationToken ct) =>
            RegistryApi.DeleteAsync(store, new ResourceKey(KnownKind(kind), ns, name), resourceVersion, ct));
        api.MapAnalysisApi();
    }

    /// <summary>Kinds are case-insensitive in URLs (<c>virtualservice</c>, <c>VirtualService</c>), as in kubectl.</summary>
    public static string KnownKind(string kind)
    {
        foreach (var known in ResourceKinds.ConfigKindGroups.Keys)
        {
            if (string.Equals(known, kind, StringComparison.OrdinalIgnoreCase) || string.Equals(known + "s", kind, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        throw new ApiStatusException(404, $"unknown kind '{InputValidation.Clip(kind)}'; expected one of {string.Join(", ", ResourceKinds.ConfigKindGroups.Keys)}", "kind");
    }

    private static MeshResource BindKind(MeshResource resource, string urlKind)
    {
        var kind = KnownKind(urlKind);
        if (!string.IsNullOrEmpty(resource.Kind) && resource.Kind != kind)
        {
            throw new ApiValidationException("kind", $"'{InputValidation.Clip(resource.Kind)}' does not match the kind in the URL ('{kind}')");
        }

        return resource with { Kind = kind };
    }
}
