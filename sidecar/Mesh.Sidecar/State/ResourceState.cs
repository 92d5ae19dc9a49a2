using System.Collections.Immutable;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;

namespace Mesh.Sidecar.State;

internal sealed class ResourceStateException(string message) : Exception(message);

/// <summary>
/// The resources a sidecar holds, labelled with the silo position they came from. Immutable: applying a response yields a new state, so a
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

    public static ResourceState FromResources(long revision, IEnumerable<MeshResource> resources)
    {
        var builder = ImmutableDictionary.CreateBuilder<ResourceKey, MeshResource>();
        foreach (var resource in resources)
        {
            builder[resource.Key] = resource;
        }

        return new ResourceState(revision, builder.ToImmutable());
    }

    /// <summary>
    /// Applies one response of the subscription stream: its upserts and removals on top of this state. A removal of a
    /// key this state does not hold is ignored (the silo cannot judge the scope of deleted content). Throws
    /// <see cref="ResourceStateException"/> when a resource's body does not decode or does not match its key.
    /// </summary>
    public ResourceState Apply(Resources response)
    {
        var builder = Resources.ToBuilder();
        foreach (var removed in response.RemovedResources)
        {
            if (WireResources.TryParseKey(removed, out var key))
            {
                builder.Remove(key);
            }
        }

        foreach (var wire in response.Resources_)
        {
            try
            {
                var resource = WireResources.FromWire(wire);
                builder[resource.Key] = resource;
            }
            catch (InvalidDataException ex)
            {
                throw new ResourceStateException(ex.Message);
            }
        }

        // The silo's position is informational; it labels the configuration (admin endpoint, logs, state file).
        var revision = WireResources.TryParseVersion(response.SystemVersionInfo, out var position) ? position : Revision;
        return new ResourceState(revision, builder.ToImmutable());
    }

    /// <summary>What a resume sends: every held resource's key and version.</summary>
    public Subscribe HeldVersions(Subscribe subscribe)
    {
        foreach (var resource in Resources.Values)
        {
            subscribe.InitialResourceVersions[WireResources.Key(resource.Key)] = WireResources.Version(resource.Version);
        }

        return subscribe;
    }
}
