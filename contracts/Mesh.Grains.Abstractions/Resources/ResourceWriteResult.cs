using Mesh.Contracts.Resources;
using Orleans.Concurrency;

namespace Mesh.Grains.Resources;

/// <summary>
/// What an owning grain's write came to. Refusals travel as values, not exceptions, so that the caller on another silo
/// gets the same 404, 409 or 503 (with the store's message) that a local write would have raised.
/// </summary>
[GenerateSerializer]
[Immutable]
[Alias("mesh.resources.write-result.v1")]
public sealed record ResourceWriteResult(
    [property: Id(0)] ResourceWriteStatus Status,
    [property: Id(1)] MeshResource? Resource,
    [property: Id(2)] string? Message)
{
    public static ResourceWriteResult Written(MeshResource resource) => new(ResourceWriteStatus.Written, resource, null);

    public static readonly ResourceWriteResult NotFound = new(ResourceWriteStatus.NotFound, null, null);
}

public enum ResourceWriteStatus
{
    /// <summary>Stored (or deleted); <see cref="ResourceWriteResult.Resource"/> is the stored resource, if any.</summary>
    Written,

    /// <summary>There is no such resource.</summary>
    NotFound,

    /// <summary>Refused because of the resource's current state: it exists already, or its version is not the one expected.</summary>
    Conflict,

    /// <summary>The store could not be reached; nothing was written.</summary>
    Unavailable,
}
