using Mesh.Contracts.Domains;
using Mesh.Grains.Certificates;
using Mesh.Security.Ca;
using Mesh.Silo.Api;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>
/// This silo's view of the shared CA. Every operation re-reads the (small) root table, so roots added, activated
/// or retired through another silo take effect here at once; decryption happens only when the set changes.
/// Until <see cref="CaBootstrapper"/> has run, and whenever the CA is not configured, callers get a 503 that says why.
/// </summary>
internal sealed class CertificateAuthorityService(
    ICaStore store, TrustBundlePublisher publisher, IGrainFactory grains, SiloOptions options, TimeProvider timeProvider, ILogger<CertificateAuthorityService> logger)
    : ICertificateAuthority
{
    private readonly SemaphoreSlim _reload = new(1, 1);
    private volatile CaRootSet? _current;
    private volatile string? _publishedFingerprint;
    private volatile string? _startProblem;
    private volatile bool _ready;
    private volatile bool _started;
    private KeyEncryptionKey? _kek;
    private string? _kekProblem;

    public CaSettings Settings => options.Ca;

    /// <summary>
    /// Whether the bootstrapper has finished, successfully or with a reason to refuse. The silo reports ready only after
    /// this, so a client that waited for readiness never sees the CA's start-up 503.
    /// </summary>
    public bool Started => _started;

    public CertificateAuthorityOptions AuthorityOptions { get; } = options.Ca.ToAuthorityOptions();

    /// <summary>Called once by the bootstrapper: the KEK (or why there is none) and whether the CA may serve.</summary>
    public void Start(KeyEncryptionKey? kek, string? kekProblem, string? startProblem)
    {
        _kek = kek;
        _kekProblem = kekProblem;
        _startProblem = startProblem;
        _ready = startProblem is null;
        _started = true;
    }

    /// <summary>The roots as the store has them now.</summary>
    public async Task<CaRootSet> CurrentAsync(CancellationToken cancellationToken)
    {
        if (!_ready)
        {
            throw new ApiStatusException(503, _startProblem ?? "the certificate authority is starting; retry shortly");
        }

        var rows = await store.ListRootsAsync(cancellationToken);
        var fingerprint = CaRootSet.FingerprintOf(rows);
        if (_current is { } known && known.Fingerprint == fingerprint && _publishedFingerprint == fingerprint)
        {
            return known;
        }

        CaRootSet set;
        await _reload.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } raced && raced.Fingerprint == fingerprint)
            {
                set = raced;
            }
            else
            {
                set = CaRootSet.Build(rows, _kek, _kekProblem, AuthorityOptions, timeProvider);
                _current = set;
                if (set.Signer is { } signer)
                {
                    CaLog.Ready(logger, Settings.TrustDomain, signer.Active.Certificate.Thumbprint, set.Bundle.Roots.Count);
                }
                else
                {
                    CaLog.Unavailable(logger, set.SignerProblem ?? "no signer");
                }
            }

            if (_publishedFingerprint != fingerprint)
            {
                // The silo that changed the roots publishes the bundle, but it may have died before doing so;
                // and a publish that failed (store outage) is retried by the next call.
                await publisher.PublishAsync(cancellationToken);
                _publishedFingerprint = fingerprint;
            }
        }
        finally
        {
            _reload.Release();
        }

        return set;
    }

    /// <summary>The current set when it has roots to trust; otherwise a 503 saying why.</summary>
    public async Task<CaRootSet> RequireBundleAsync(CancellationToken cancellationToken)
    {
        var set = await CurrentAsync(cancellationToken);
        return set.Bundle.Roots.Count > 0 ? set : throw new ApiStatusException(503, set.SignerProblem ?? "the CA has no roots yet");
    }

    public async Task<(CertificateAuthority Signer, CaRootSet Set)> RequireSignerAsync(CancellationToken cancellationToken)
    {
        var set = await CurrentAsync(cancellationToken);
        return set.Signer is { } signer ? (signer, set) : throw new ApiStatusException(503, set.SignerProblem ?? "the CA cannot sign");
    }

    /// <summary>Signs for an already authenticated identity and records the certificate (the CA domain interface).</summary>
    public async Task<SignedCertificate> SignAsync(string csrPem, WorkloadIdentity identity, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        var (signer, _) = await RequireSignerAsync(cancellationToken);
        var issued = signer.Issue(csrPem, identity.Namespace, identity.ServiceAccount, ttl);
        await RecordAsync(issued, cancellationToken);
        return new SignedCertificate(issued.CertificateChainPem, issued.SerialNumber, issued.NotAfter);
    }

    public async Task<string> GetTrustBundleAsync(CancellationToken cancellationToken) => (await RequireBundleAsync(cancellationToken)).Bundle.Pem;

    public Task RecordAsync(IssuedCertificate issued, CancellationToken cancellationToken) =>
        store.RecordIssuedAsync(
            new IssuedCertificateRow(issued.SerialNumber, issued.SpiffeId, issued.NotBefore, issued.NotAfter, issued.IssuerThumbprint, timeProvider.GetUtcNow()),
            cancellationToken);

    /// <summary>The key-encryption key that seals every private key the silos store; 503 when there is none.</summary>
    public KeyEncryptionKey RequireKek() => _kek ?? throw new ApiStatusException(503, _kekProblem ?? (_started ? "CA not configured" : "the certificate authority is starting; retry shortly"));

    /// <summary>Adds a generated or imported credential (pending: trusted, not signing), optionally activating it.</summary>
    public async Task<CaRootView> AddRootAsync(string? certificatePem, string? privateKeyPem, bool activate, CancellationToken cancellationToken)
    {
        await CurrentAsync(cancellationToken);
        var kek = RequireKek();
        SealedCaRoot sealedRoot;
        try
        {
            using var credential = CaCredentials.CreateOrImport(Settings, certificatePem, privateKeyPem, timeProvider);
            sealedRoot = CaCredentials.Seal(credential, kek, timeProvider.GetUtcNow());
        }
        catch (CaException ex)
        {
            throw new ApiValidationException(certificatePem is null ? "keyAlgorithm" : "certificate", ex.Message);
        }

        var added = await Authority.AddRootAsync(sealedRoot, cancellationToken);
        if (added.Outcome == CaRootOutcome.Exists)
        {
            throw new ApiStatusException(409, $"CA credential {sealedRoot.Thumbprint} already exists", "certificate");
        }

        Check(added, sealedRoot.Thumbprint);
        CaLog.RootChanged(logger, sealedRoot.Thumbprint, "added");
        return activate ? await ActivateAsync(sealedRoot.Thumbprint, cancellationToken) : await ChangedAsync(sealedRoot.Thumbprint, cancellationToken);
    }

    public async Task<CaRootView> ActivateAsync(string thumbprint, CancellationToken cancellationToken)
    {
        await CurrentAsync(cancellationToken);
        Check(await Authority.ActivateRootAsync(thumbprint, cancellationToken), thumbprint);
        CaLog.RootChanged(logger, thumbprint, "activated");
        var view = await ChangedAsync(thumbprint, cancellationToken);
        return (await CurrentAsync(cancellationToken)).Signer is null
            ? throw new ApiStatusException(503, $"root {thumbprint} is active but cannot sign: {_current?.SignerProblem}")
            : view;
    }

    public async Task RetireAsync(string thumbprint, CancellationToken cancellationToken)
    {
        await CurrentAsync(cancellationToken);
        Check(await Authority.RetireRootAsync(thumbprint, cancellationToken), thumbprint);
        CaLog.RootChanged(logger, thumbprint, "retired");
        await ChangedAsync(thumbprint, cancellationToken);
    }

    /// <summary>The CA's one activation, through which every credential change goes (it also republishes the bundle).</summary>
    private ICertificateAuthorityGrain Authority => grains.GetGrain<ICertificateAuthorityGrain>(0);

    private async Task<CaRootView> ChangedAsync(string thumbprint, CancellationToken cancellationToken)
    {
        var set = await CurrentAsync(cancellationToken);
        return set.Views().First(v => v.Thumbprint.Equals(thumbprint, StringComparison.OrdinalIgnoreCase));
    }

    private static void Check(CaRootCommandResult result, string thumbprint)
    {
        switch (result.Outcome)
        {
            case CaRootOutcome.NotFound:
                throw new ApiStatusException(404, $"no CA credential with thumbprint {thumbprint}", "thumbprint");
            case CaRootOutcome.IsActive:
                throw new ApiStatusException(409, $"root {thumbprint} is the active signer; add and activate another root before retiring it", "thumbprint");
            case CaRootOutcome.IsRetired:
                throw new ApiStatusException(409, $"root {thumbprint} is retired", "thumbprint");
            case CaRootOutcome.StoreUnavailable:
                throw new StoreUnavailableException(result.Problem ?? "the store is unavailable");
        }
    }
}
