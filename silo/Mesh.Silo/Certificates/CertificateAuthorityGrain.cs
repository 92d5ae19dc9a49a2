using Mesh.Grains.Certificates;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>
/// The single activation through which the CA's credentials change (see <see cref="ICertificateAuthorityGrain"/>).
/// Orleans runs one call at a time, so "is a root active? if not, store this one" cannot race across silos; the
/// store's unique thumbprint stays as a second line. After every change it republishes the trust bundle, so sidecars
/// learn of it through the ordinary change feed; the silos re-read the roots on their next CA operation.
/// </summary>
internal sealed class CertificateAuthorityGrain(ICaStore store, TrustBundlePublisher publisher) : Grain, ICertificateAuthorityGrain
{
    public Task<CaRootCommandResult> EnsureActiveRootAsync(SealedCaRoot candidate, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            if ((await store.ListRootsAsync(cancellationToken)).Any(r => r.State == CaRootState.Active)
                || !await store.TryAddRootAsync(Row(candidate, CaRootState.Active), cancellationToken))
            {
                return new CaRootCommandResult(CaRootOutcome.Exists);
            }

            await publisher.PublishAsync(cancellationToken);
            return new CaRootCommandResult(CaRootOutcome.Done);
        });

    public Task<CaRootCommandResult> AddRootAsync(SealedCaRoot root, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            if (!await store.TryAddRootAsync(Row(root, CaRootState.Pending), cancellationToken))
            {
                return new CaRootCommandResult(CaRootOutcome.Exists);
            }

            await publisher.PublishAsync(cancellationToken);
            return new CaRootCommandResult(CaRootOutcome.Done);
        });

    public Task<CaRootCommandResult> ActivateRootAsync(string thumbprint, CancellationToken cancellationToken) =>
        ChangeAsync(() => store.ActivateRootAsync(thumbprint, cancellationToken), cancellationToken);

    public Task<CaRootCommandResult> RetireRootAsync(string thumbprint, CancellationToken cancellationToken) =>
        ChangeAsync(() => store.RetireRootAsync(thumbprint, cancellationToken), cancellationToken);

    private Task<CaRootCommandResult> ChangeAsync(Func<Task<CaRootChange>> change, CancellationToken cancellationToken) =>
        RunAsync(async () =>
        {
            var outcome = await change() switch
            {
                CaRootChange.NotFound => CaRootOutcome.NotFound,
                CaRootChange.IsActive => CaRootOutcome.IsActive,
                CaRootChange.IsRetired => CaRootOutcome.IsRetired,
                _ => CaRootOutcome.Done,
            };
            if (outcome == CaRootOutcome.Done)
            {
                await publisher.PublishAsync(cancellationToken);
            }

            return new CaRootCommandResult(outcome);
        });

    private static CaRootRow Row(SealedCaRoot root, CaRootState state) => new(root.Thumbprint, root.ChainPem, root.ProtectedKey, state, root.CreatedAt);

    /// <summary>A database outage is an answer (the caller turns it into a 503 or retries), not an exception across silos.</summary>
    private static async Task<CaRootCommandResult> RunAsync(Func<Task<CaRootCommandResult>> command)
    {
        try
        {
            return await command();
        }
        catch (StoreUnavailableException ex)
        {
            return new CaRootCommandResult(CaRootOutcome.StoreUnavailable, ex.Message);
        }
    }
}
