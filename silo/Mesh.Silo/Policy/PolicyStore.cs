using Mesh.Contracts.Domains;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Silo.Api;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Policy;

/// <summary>Routing, resilience and security resources (the Istio kinds).</summary>
internal sealed class PolicyStore(IMeshStore store, ResourceWriter writer, IResourceValidator validator) : IPolicyStore
{
    public async Task<MeshResource> ApplyAsync(MeshResource resource, bool createOnly, CancellationToken cancellationToken)
    {
        var result = await ApplyManyAsync([resource], createOnly, cancellationToken);
        return result[0];
    }

    /// <summary>Validates every resource, then writes them all in one transaction: all or none.</summary>
    public async Task<IReadOnlyList<MeshResource>> ApplyManyAsync(IReadOnlyList<MeshResource> resources, bool createOnly, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        for (var i = 0; i < resources.Count; i++)
        {
            var prefix = resources.Count == 1 ? "" : $"items[{i}].";
            foreach (var error in validator.Validate(resources[i]))
            {
                errors.Add(error with { Field = prefix + error.Field });
            }
        }

        for (var i = 0; i < resources.Count; i++)
        {
            var prefix = resources.Count == 1 ? "" : $"items[{i}].";
            foreach (var error in await MissingExportsAsync(resources[i], resources, cancellationToken))
            {
                errors.Add(error with { Field = prefix + error.Field });
            }
        }

        InputValidation.Throw(errors);
        var writes = resources
            .Select(r => createOnly ? ResourceWrite.Create(r) : ResourceWrite.Upsert(r, r.Metadata.ResourceVersion))
            .ToList();
        var result = await writer.WriteAsync(writes, cancellationToken);
        var byKey = result.Upserted.ToDictionary(r => r.Key);
        var applied = new List<MeshResource>();
        foreach (var resource in resources)
        {
            applied.Add(byKey.TryGetValue(resource.Key, out var stored)
                ? stored
                : (await store.GetAsync(resource.Key, cancellationToken))!.Resource);
        }

        return applied;
    }

    /// <summary>An ExportedServices resource may name only services that exist (or arrive in the same apply).</summary>
    private async Task<IReadOnlyList<FieldError>> MissingExportsAsync(MeshResource resource, IReadOnlyList<MeshResource> batch, CancellationToken cancellationToken)
    {
        if (resource.Kind != ResourceKinds.ExportedServices || MeshJson.FromElement<ExportedServicesSpec>(resource.Spec) is not { } spec)
        {
            return [];
        }

        var errors = new List<FieldError>();
        for (var i = 0; i < spec.Services.Count; i++)
        {
            var key = new ResourceKey(ResourceKinds.Service, resource.Key.Namespace, spec.Services[i].Name);
            if (!batch.Any(r => r.Key == key) && await store.GetAsync(key, cancellationToken) is null)
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
        var result = await writer.WriteAsync([ResourceWrite.Delete(key, expectedVersion)], cancellationToken);
        return result.Deleted.Count > 0;
    }
}
