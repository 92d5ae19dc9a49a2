using Mesh.Contracts.Domains;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Silo.Api;
using Mesh.Grains.Policy;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Policy;

/// <summary>
/// The policy domain's API-facing side: validates a resource with <c>istio/</c> (every error with its field path), then
/// hands the write to the grain that owns the resource's namespace (<see cref="IPolicyGrain"/>); reads come from the store.
/// </summary>
internal sealed class PolicyStore(IMeshStore store, IGrainFactory grains, OwnerCalls calls, IResourceValidator validator) : IPolicyStore
{
    public async Task<MeshResource> ApplyAsync(MeshResource resource, bool createOnly, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>(validator.Validate(resource));
        errors.AddRange(await MissingExportsAsync(resource, cancellationToken));
        InputValidation.Throw(errors);
        var result = await calls.SendAsync(() => Owner(resource.Key.Namespace).ApplyAsync(resource, createOnly, cancellationToken), cancellationToken);
        return result.Stored(resource.Key);
    }

    /// <summary>An ExportedServices resource may name only services that exist.</summary>
    private async Task<IReadOnlyList<FieldError>> MissingExportsAsync(MeshResource resource, CancellationToken cancellationToken)
    {
        if (resource.Kind != ResourceKinds.ExportedServices || MeshJson.FromElement<ExportedServicesSpec>(resource.Spec) is not { } spec)
        {
            return [];
        }

        var errors = new List<FieldError>();
        for (var i = 0; i < spec.Services.Count; i++)
        {
            var key = new ResourceKey(ResourceKinds.Service, resource.Key.Namespace, spec.Services[i].Name);
            if (await store.GetAsync(key, cancellationToken) is null)
            {
                errors.Add(new FieldError($"spec.services[{i}].name", $"service \"{key.Name}\" does not exist in namespace \"{key.Namespace}\""));
            }
        }

        return errors;
    }

    public async Task<MeshResource?> GetAsync(ResourceKey key, CancellationToken cancellationToken) =>
        (await store.GetAsync(key, cancellationToken))?.Resource;

    public async Task<IReadOnlyList<MeshResource>> ListAsync(string kind, string? @namespace, CancellationToken cancellationToken) =>
        (await store.ListAsync(kind, @namespace, cancellationToken)).Select(s => s.Resource).ToList();

    public async Task<bool> DeleteAsync(ResourceKey key, long? expectedVersion, CancellationToken cancellationToken)
    {
        var result = await calls.SendAsync(() => Owner(key.Namespace).DeleteAsync(key.Kind, key.Name, expectedVersion, cancellationToken), cancellationToken);
        return result.Accepted(key);
    }

    private IPolicyGrain Owner(string @namespace) => grains.GetGrain<IPolicyGrain>(@namespace);
}
