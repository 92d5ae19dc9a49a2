using System.Text.Json;
using Mesh.Contracts.Certificates;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>
/// Keeps the <c>TrustBundle</c> resource equal to the store's trusted roots, so the bundle reaches every sidecar
/// through the ordinary change log. It re-reads the roots before each attempt and writes conditionally on the
/// resource version, so when silos publish concurrently the last write always carries the newest root set.
/// </summary>
internal sealed class TrustBundlePublisher(IMeshStore store, ICaStore caStore, ResourceWriter writer, IGrainFactory grains, SiloOptions options, ILogger<TrustBundlePublisher> logger)
{
    public static readonly ResourceKey Key = new(ResourceKinds.TrustBundle, TrustBundleSpec.Namespace, TrustBundleSpec.Name);

    private const int MaxAttempts = 8;

    /// <param name="federated">
    /// The peers' bundles when the caller holds them (the federation grain, which must not be called back); otherwise
    /// they are read from it.
    /// </param>
    public async Task PublishAsync(CancellationToken cancellationToken, IReadOnlyList<FederatedTrustBundle>? federated = null)
    {
        federated ??= [.. (await grains.GetGrain<Grains.Federation.IFederationGrain>(0).ListAsync(cancellationToken)).Select(Federation.FederatedBundles.Of)];
        for (var attempt = 1; ; attempt++)
        {
            var roots = (await caStore.ListRootsAsync(cancellationToken))
                .Where(r => r.State != CaRootState.Retired)
                .Select(r => CaRootSet.RootOf(r.ChainPem))
                .OfType<System.Security.Cryptography.X509Certificates.X509Certificate2>()
                .DistinctBy(r => r.Thumbprint)
                .Select(r => r.ExportCertificatePem() + "\n")
                .ToList();
            if (roots.Count == 0)
            {
                return;
            }

            var desired = new TrustBundleSpec { TrustDomain = options.Ca.TrustDomain, Roots = roots, Federated = federated };
            var existing = await store.GetAsync(Key, cancellationToken);
            if (existing is not null && Same(existing.Resource.Spec, desired))
            {
                return;
            }

            var resource = new MeshResource
            {
                ApiVersion = ResourceKinds.MeshApiVersion,
                Kind = ResourceKinds.TrustBundle,
                Metadata = new ResourceMetadata { Name = TrustBundleSpec.Name, Namespace = TrustBundleSpec.Namespace },
                Spec = MeshJson.ToElement(desired),
            };
            var write = existing is null ? ResourceWrite.Create(resource) : ResourceWrite.Upsert(resource, existing.Resource.Version);
            try
            {
                var result = await writer.WriteAsync([write], cancellationToken);
                CaLog.BundlePublished(logger, roots.Count, result.Revision);
                return;
            }
            catch (StoreConflictException) when (attempt < MaxAttempts)
            {
                // Another silo published in between; re-read both and try again.
            }
        }
    }

    private static bool Same(JsonElement spec, TrustBundleSpec desired)
    {
        try
        {
            return MeshJson.FromElement<TrustBundleSpec>(spec) is { } current
                && current.TrustDomain == desired.TrustDomain
                && current.Roots.SequenceEqual(desired.Roots, StringComparer.Ordinal)
                && current.Federated.Count == desired.Federated.Count
                && current.Federated.Zip(desired.Federated).All(p => p.First.Peer == p.Second.Peer && p.First.TrustDomain == p.Second.TrustDomain
                    && p.First.Roots.SequenceEqual(p.Second.Roots, StringComparer.Ordinal));
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
