using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Identity;

namespace Mesh.Sidecar.Security;

/// <summary>
/// This workload's X.509-SVID with its private key (generated here, held only in memory) and the TLS context built
/// once from it, so every handshake reuses the same chain instead of rebuilding it.
/// </summary>
internal sealed class WorkloadIdentity
{
    public WorkloadIdentity(X509Certificate2 certificate, X509Certificate2Collection intermediates, SpiffeId id, string serialNumber, string chainPem)
    {
        Certificate = certificate;
        Intermediates = intermediates;
        Id = id;
        SerialNumber = serialNumber;
        ChainPem = chainPem;
        Context = SslStreamCertificateContext.Create(certificate, intermediates, offline: true);
    }

    /// <summary>The leaf with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public X509Certificate2Collection Intermediates { get; }

    public SpiffeId Id { get; }

    public string SerialNumber { get; }

    /// <summary>Leaf and intermediates as PEM, the proof sent when renewing.</summary>
    public string ChainPem { get; }

    public SslStreamCertificateContext Context { get; }

    public DateTimeOffset NotBefore => Certificate.NotBefore.ToUniversalTime();

    public DateTimeOffset NotAfter => Certificate.NotAfter.ToUniversalTime();
}
