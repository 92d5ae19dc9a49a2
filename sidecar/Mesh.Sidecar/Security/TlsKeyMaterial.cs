using System.Security.Cryptography.X509Certificates;

namespace Mesh.Sidecar.Security;

/// <summary>
/// A certificate with an ephemeral or PEM-imported key cannot back an SslStream on every platform; a PKCS#12 round
/// trip in memory makes the key usable. The one place the sidecar does it, for SVIDs, credentials and key files.
/// </summary>
internal static class TlsKeyMaterial
{
    public static X509Certificate2 UsableForTls(X509Certificate2 withKey) =>
        X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
}
