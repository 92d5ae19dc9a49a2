namespace Mesh.Security.Ca;

/// <summary>
/// A signed X.509-SVID. <see cref="CertificateChainPem"/> is the leaf followed by any intermediates (not the root,
/// which workloads get from the trust bundle). Record (serial, identity, expiry) for the issued-certificates log.
/// </summary>
public sealed record IssuedCertificate(
    string CertificateChainPem,
    string SerialNumber,
    string SpiffeId,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string IssuerThumbprint);
