using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Ca;
using Mesh.Security.Identity;

namespace Mesh.Sidecar.Security;

/// <summary>
/// The current SVID and trust bundle. Both are swapped as whole references, so a handshake reads one consistent
/// value and rotation needs no restart and disposes nothing a live connection uses.
/// </summary>
internal sealed class CertificateStore(PeerCertificateValidator validator)
{
    private volatile WorkloadIdentity? _identity;
    private volatile Bundle _bundle = new(new TrustBundle([]), []);
    private volatile TaskCompletionSource _identityChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Null until the sidecar has obtained a certificate (always null without a join token).</summary>
    public WorkloadIdentity? Identity => _identity;

    public TrustBundle TrustBundle => _bundle.Trust;

    /// <summary>Completes the next time the identity is replaced.</summary>
    public Task IdentityChanged => _identityChanged.Task;

    public void SetIdentity(WorkloadIdentity identity)
    {
        _identity = identity;
        Interlocked.Exchange(ref _identityChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Replaces the bundle when its roots differ; returns true when it changed.</summary>
    public bool SetBundle(TrustBundle bundle)
    {
        var current = _bundle;
        if (current.Trust.SameAs(bundle))
        {
            return false;
        }

        _bundle = new Bundle(bundle, bundle.ToCollection());
        return true;
    }

    /// <summary>Validates a peer against the current bundle and, when given, the identity it must carry.</summary>
    public PeerValidationResult Validate(X509Certificate? certificate, X509Chain? chain, SpiffeId? expected = null) =>
        validator.Validate(certificate, chain, _bundle.Roots, expected, _bundle.Trust.TrustDomains);

    /// <summary>Validates a peer again with the intermediates it presented at its handshake.</summary>
    public PeerValidationResult Validate(X509Certificate certificate, X509Certificate2Collection intermediates) =>
        validator.Validate(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), intermediates, _bundle.Roots,
            rootTrustDomains: _bundle.Trust.TrustDomains);

    private sealed record Bundle(TrustBundle Trust, X509Certificate2Collection Roots);
}
