using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Ca;

namespace Mesh.Tests.Security.Ca;

internal static class CaTestKit
{
    public static CertificateAuthority NewAuthority(TimeProvider time, CertificateAuthorityOptions? options = null, CaKeyAlgorithm algorithm = CaKeyAlgorithm.EcdsaP256)
    {
        options ??= new CertificateAuthorityOptions { TrustDomain = "cluster.local" };
        return new CertificateAuthority(CaCredential.CreateSelfSignedRoot(options.TrustDomain, algorithm, time), options, time);
    }

    /// <summary>A CSR from a fresh EC key that also asks for SANs the CA must ignore.</summary>
    public static string EcCsr(out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=evil, O=attacker", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("evil.example.com");
        san.AddUri(new Uri("spiffe://cluster.local/ns/kube-system/sa/admin"));
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        return request.CreateSigningRequestPem();
    }

    public static string EcCsr() => EcCsr(out _);

    public static string RsaCsr(int bits)
    {
        using var key = RSA.Create(bits);
        return new CertificateRequest("CN=workload", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
    }

    public static X509Certificate2 Leaf(IssuedCertificate issued)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(issued.CertificateChainPem);
        return collection[0];
    }

    public static X509Certificate2Collection Bundle(CertificateAuthority ca) => ca.TrustBundle.ToCollection();
}
