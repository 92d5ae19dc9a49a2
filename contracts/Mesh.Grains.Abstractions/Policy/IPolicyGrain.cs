using Mesh.Contracts.Resources;
using Mesh.Grains.Resources;
using Orleans.Concurrency;

namespace Mesh.Grains.Policy;

/// <summary>
/// The policy and configuration resources of one namespace (key: the namespace): the Istio kinds, ExportedServices,
/// InferencePool. Orleans keeps one activation per namespace in the cluster, the only writer of that namespace's
/// configuration; namespaces spread over the silos. Resources reach it validated by <c>istio/</c>; it stores them
/// with their resource versions (a stale version is a conflict) and announces the change.
/// </summary>
public interface IPolicyGrain : IGrainWithStringKey
{
    /// <summary>Creates (<paramref name="createOnly"/>) or updates a resource, expecting its metadata's resource version if set.</summary>
    Task<ResourceWriteResult> ApplyAsync([Immutable] MeshResource resource, bool createOnly, CancellationToken cancellationToken = default);

    Task<ResourceWriteResult> DeleteAsync(string kind, string name, long? expectedVersion, CancellationToken cancellationToken = default);
}
