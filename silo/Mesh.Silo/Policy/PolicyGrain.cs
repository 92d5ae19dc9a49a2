using Mesh.Contracts.Resources;
using Mesh.Grains.Policy;
using Mesh.Grains.Resources;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;
using Orleans.Concurrency;

namespace Mesh.Silo.Policy;

/// <summary>
/// The single writer of one namespace's configuration resources (see <see cref="IPolicyGrain"/>). Reentrant for the
/// same reason as the registry grains: the store orders the writes and checks their versions, and one apply must not
/// wait behind another's database round trip.
/// </summary>
[Reentrant]
internal sealed class PolicyGrain(IMeshStore store, ResourceWriter writer) : Grain, IPolicyGrain
{
    public Task<ResourceWriteResult> ApplyAsync(MeshResource resource, bool createOnly, CancellationToken cancellationToken = default)
    {
        EnsureOwned(resource.Kind, resource.Key.Namespace);
        var write = createOnly ? ResourceWrite.Create(resource) : ResourceWrite.Upsert(resource, resource.Metadata.ResourceVersion);
        return OwnedWrites.RunAsync(() => OwnedWrites.UpsertAsync(writer, store, write, cancellationToken));
    }

    public Task<ResourceWriteResult> DeleteAsync(string kind, string name, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        EnsureOwned(kind, this.GetPrimaryKeyString());
        return OwnedWrites.RunAsync(() => OwnedWrites.DeleteAsync(writer, new ResourceKey(kind, this.GetPrimaryKeyString(), name), expectedVersion, cancellationToken));
    }

    /// <summary>Services and endpoints belong to the registry grains, other namespaces to their own policy grain.</summary>
    private void EnsureOwned(string kind, string @namespace)
    {
        if (!ResourceKinds.IsConfigKind(kind) || @namespace != this.GetPrimaryKeyString())
        {
            throw new ArgumentException($"{kind} in '{@namespace}' is not owned by the policy grain of '{this.GetPrimaryKeyString()}'");
        }
    }
}
