using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Ca;
using Mesh.Security.Identity;

namespace Mesh.Silo.Certificates;

/// <summary>
/// Issues the silo's own TLS certificate from the active CA credential. Unlike a workload SVID it also carries DNS/IP
/// SANs, so clients that check host names (meshctl, curl with the bundle) accept it too; it is also the client
/// certificate a silo presents to a peer cluster's silos.
/// </summary>
internal static class ServingCertificateIssuer
{
    public const string ServiceAccount = "mesh-silo";

    public static X509Certificate2 Issue(CaCredential ca, string trustDomain, IEnumerable<string> hosts, TimeSpan lifetime, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=mesh-silo"), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(SpiffeId.ForWorkload(trustDomain, Subscriptions.SubscriptionScope.RootNamespace, ServiceAccount).ToString()));
        foreach (var host in hosts.Where(h => !string.IsNullOrWhiteSpace(h)).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            if (IPAddress.TryParse(host, out var address))
            {
                san.AddIpAddress(address);
            }
            else
            {
                san.AddDnsName(host);
            }
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        // Server, and client for peering: a silo dialing a peer cluster presents this certificate (docs/federation.md).
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));

        var caNotBefore = new DateTimeOffset(ca.Certificate.NotBefore.ToUniversalTime());
        var caNotAfter = new DateTimeOffset(ca.Certificate.NotAfter.ToUniversalTime());
        var notBefore = now.AddMinutes(-1) < caNotBefore ? caNotBefore : now.AddMinutes(-1);
        var notAfter = now + lifetime > caNotAfter ? caNotAfter : now + lifetime;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);

        using var caKey = (AsymmetricAlgorithm?)ca.Certificate.GetECDsaPrivateKey() ?? ca.Certificate.GetRSAPrivateKey()
            ?? throw new CaException("The CA certificate has no usable private key.");
        var generator = caKey is ECDsa ec ? X509SignatureGenerator.CreateForECDsa(ec) : X509SignatureGenerator.CreateForRSA((RSA)caKey, RSASignaturePadding.Pkcs1);
        using var certificate = request.Create(ca.Certificate.SubjectName, generator, notBefore, notAfter, serial);
        return certificate.CopyWithPrivateKey(key);
    }
}
