using System.Collections.Immutable;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;

namespace Mesh.Sidecar.State;

internal sealed class ResourceStateException(string message) : Exception(message);

/// <summary>
/// The resources a sidecar holds at a revision. Immutable: applying a snapshot or delta yields a new state, so a
/// rejected update leaves the accepted one untouched.
/// </summary>
internal sealed class ResourceState
{
    public static readonly ResourceState Empty = new(0, ImmutableDictionary<ResourceKey, MeshResource>.Empty);

    public ResourceState(long revision, ImmutableDictionary<ResourceKey, MeshResource> resources)
    {
        Revision = revision;
        Resources = resources;
    }

    public long Revision { get; }

    public ImmutableDictionary<ResourceKey, MeshResource> Resources { get; }

    public static ResourceState FromSnapshot(SnapshotFrame snapshot) => FromResources(snapshot.Revision, snapshot.Resources);

    public static ResourceState FromResources(long revision, IEnumerable<MeshResource> resources)
    {
        var builder = ImmutableDictionary.CreateBuilder<ResourceKey, MeshResource>();
        foreach (var resource in resources)
        {
            builder[resource.Key] = resource;
        }

        return new ResourceState(revision, builder.ToImmutable());
    }

    /// <summary>Applies a delta that must start at this state's revision.</summary>
    public ResourceState Apply(DeltaFrame delta)
    {
        if (delta.FromRevision != Revision)
        {
            throw new ResourceStateException($"delta fromRevision {delta.FromRevision} does not match held revision {Revision}");
        }

        if (delta.Revision < delta.FromRevision)
        {
            throw new ResourceStateException($"delta revision {delta.Revision} is before fromRevision {delta.FromRevision}");
        }

        var builder = Resources.ToBuilder();
        foreach (var removal in delta.Removals ?? [])
        {
            builder.Remove(removal.Key);
        }

        foreach (var upsert in delta.Upserts ?? [])
        {
            builder[upsert.Key] = upsert;
        }

        return new ResourceState(delta.Revision, builder.ToImmutable());
    }
}
