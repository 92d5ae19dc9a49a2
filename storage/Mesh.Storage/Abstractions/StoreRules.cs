using Mesh.Contracts.Resources;

namespace Mesh.Storage.Abstractions;

/// <summary>The write rules every store enforces identically, so the contract tests hold for all of them.</summary>
internal static class StoreRules
{
    /// <summary>Throws <see cref="StoreConflictException"/> when <paramref name="write"/> may not apply on top of <paramref name="currentVersion"/>.</summary>
    public static void Check(ResourceWrite write, long? currentVersion)
    {
        switch (write.Operation)
        {
            case WriteOperation.Create when currentVersion is not null:
                throw new StoreConflictException(write.Key, $"{write.Key.Kind} '{write.Key.Namespace}/{write.Key.Name}' already exists");
            case WriteOperation.Upsert or WriteOperation.Delete when write.ExpectedVersion is { } expected && expected != currentVersion:
                throw new StoreConflictException(write.Key, currentVersion is null
                    ? $"{write.Key.Kind} '{write.Key.Namespace}/{write.Key.Name}' does not exist (expected resourceVersion {expected})"
                    : $"{write.Key.Kind} '{write.Key.Namespace}/{write.Key.Name}' has resourceVersion {currentVersion}, not {expected}");
        }

        if (write.Operation != WriteOperation.Delete && write.Resource is null)
        {
            throw new ArgumentException($"{write.Operation} of {write.Key} needs a resource", nameof(write));
        }
    }

    /// <summary>The resource as stored at <paramref name="revision"/>: its version and normalized namespace set.</summary>
    public static MeshResource Stamp(MeshResource resource, long revision) => resource with
    {
        Metadata = resource.Metadata with
        {
            Namespace = resource.Key.Namespace,
            ResourceVersion = revision,
        },
    };
}
