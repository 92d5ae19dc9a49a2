using Mesh.Contracts.Domains;
using Mesh.Security.Identity;

namespace Mesh.Security.Ca;

/// <summary>
/// Signs workload CSRs with the active CA credential and publishes the trust bundle. Supports root rotation:
/// <see cref="AddRoot"/> a new credential (the bundle then carries both roots), activate it so new certificates
/// come from it, then <see cref="RetireRoot"/> the old one once workloads have been re-issued. Thread-safe.
/// </summary>
public sealed class CertificateAuthority : ICertificateAuthority
{
    private readonly Lock _gate = new();
    private readonly CertificateAuthorityOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly List<CaCredential> _credentials = [];
    private CaCredential _active;
    private TrustBundle _bundle;

    public CertificateAuthority(CaCredential active, CertificateAuthorityOptions options, TimeProvider timeProvider)
    {
        _options = options;
        _timeProvider = timeProvider;
        _active = active;
        _credentials.Add(active);
        _bundle = new TrustBundle([active.Root]);
    }

    public CertificateAuthorityOptions Options => _options;

    /// <summary>The credential new certificates are issued from.</summary>
    public CaCredential Active
    {
        get { lock (_gate) { return _active; } }
    }

    /// <summary>All roots workloads must trust right now.</summary>
    public TrustBundle TrustBundle
    {
        get { lock (_gate) { return _bundle; } }
    }

    /// <summary>Adds a CA credential; its root joins the bundle. With <paramref name="activate"/> it also becomes the signer.</summary>
    public void AddRoot(CaCredential credential, bool activate)
    {
        lock (_gate)
        {
            _credentials.Add(credential);
            if (activate)
            {
                _active = credential;
            }

            _bundle = new TrustBundle(_credentials.Select(c => c.Root));
        }
    }

    /// <summary>Makes an already added credential (identified by its signing certificate thumbprint) the signer.</summary>
    public void Activate(string signerThumbprint)
    {
        lock (_gate)
        {
            _active = _credentials.FirstOrDefault(c => c.Certificate.Thumbprint.Equals(signerThumbprint, StringComparison.OrdinalIgnoreCase))
                ?? throw new CaException($"No CA credential with thumbprint {signerThumbprint}.");
        }
    }

    /// <summary>Removes a root (by thumbprint) and the credentials under it from the bundle. The active signer's root cannot be retired.</summary>
    public void RetireRoot(string rootThumbprint)
    {
        lock (_gate)
        {
            if (_active.Root.Thumbprint.Equals(rootThumbprint, StringComparison.OrdinalIgnoreCase))
            {
                throw new CaException("The root of the active signer cannot be retired; activate another CA first.");
            }

            var removed = _credentials.RemoveAll(c => c.Root.Thumbprint.Equals(rootThumbprint, StringComparison.OrdinalIgnoreCase));
            if (removed == 0)
            {
                throw new CaException($"No root with thumbprint {rootThumbprint} is in the bundle.");
            }

            _bundle = new TrustBundle(_credentials.Select(c => c.Root));
        }
    }

    /// <summary>
    /// Signs a PEM CSR for a workload identity. The CSR proves key possession only; its subject and SANs are ignored.
    /// Throws <see cref="InvalidCsrException"/> for bad input.
    /// </summary>
    public IssuedCertificate Issue(string csrPem, SpiffeId identity, TimeSpan? ttl = null)
    {
        if (!string.Equals(identity.TrustDomain, _options.TrustDomain, StringComparison.Ordinal))
        {
            throw new InvalidCsrException($"identity: trust domain '{identity.TrustDomain}' is not this CA's '{_options.TrustDomain}'.");
        }

        return SvidIssuer.Issue(Active, csrPem, identity, ttl, _options, _timeProvider.GetUtcNow());
    }

    /// <summary>Signs a CSR for <c>spiffe://{TrustDomain}/ns/{ns}/sa/{sa}</c>.</summary>
    public IssuedCertificate Issue(string csrPem, string ns, string serviceAccount, TimeSpan? ttl = null)
    {
        if (!SpiffeId.TryCreateWorkload(_options.TrustDomain, ns, serviceAccount, out var id, out var error))
        {
            throw new InvalidCsrException($"identity: {error}.");
        }

        return Issue(csrPem, id, ttl);
    }

    /// <inheritdoc />
    public Task<SignedCertificate> SignAsync(string csrPem, WorkloadIdentity identity, TimeSpan? ttl, CancellationToken cancellationToken)
    {
        if (!SpiffeId.TryParse(identity.SpiffeId, out var id, out var error))
        {
            throw new InvalidCsrException($"identity: {error}.");
        }

        var issued = Issue(csrPem, id, ttl);
        return Task.FromResult(new SignedCertificate(issued.CertificateChainPem, issued.SerialNumber, issued.NotAfter));
    }

    /// <inheritdoc />
    public Task<string> GetTrustBundleAsync(CancellationToken cancellationToken) => Task.FromResult(TrustBundle.Pem);

    public override string ToString() => $"CertificateAuthority({_options.TrustDomain}, active {Active})";
}
