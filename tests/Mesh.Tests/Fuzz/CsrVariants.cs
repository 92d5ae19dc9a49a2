using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Tests.Fuzz;

/// <summary>
/// Certificate signing requests a hostile or broken workload can send: damaged DER and PEM, other key types and
/// sizes, identities it should not get. Damage positions come from the fuzzer's seeded <see cref="Random"/>.
/// </summary>
internal static class CsrVariants
{
    public static IReadOnlyList<(string Description, string Pem)> Create(Random random)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var der = new CertificateRequest("CN=workload", ec, HashAlgorithmName.SHA256).CreateSigningRequest();
        var variants = new List<(string, string)>
        {
            ("RSA 1024", Pem(Rsa(1024))),
            ("RSA 2048", Pem(Rsa(2048))),
            ("P-384", Pem(Ec(ECCurve.NamedCurves.nistP384, "CN=workload"))),
            ("P-521", Pem(Ec(ECCurve.NamedCurves.nistP521, "CN=workload"))),
            ("foreign SPIFFE SAN", Pem(WithSan(ec, "spiffe://evil.example/ns/kube-system/sa/admin"))),
            ("long subject", Pem(Ec(ECCurve.NamedCurves.nistP256, "CN=" + new string('a', 4000)))),
            ("CERTIFICATE label", PemEncoding.WriteString("CERTIFICATE", der)),
            ("two requests", Pem(der) + "\n" + Pem(der)),
            ("truncated PEM", Pem(der)[..(Pem(der).Length / 2)]),
            ("base64 garbage", "-----BEGIN CERTIFICATE REQUEST-----\n!!!!notbase64!!!!\n-----END CERTIFICATE REQUEST-----\n"),
            ("empty DER", "-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n"),
            ("truncated DER", Pem(der[..(der.Length - 1 - random.Next(der.Length - 1))])),
        };
        for (var i = 0; i < 8; i++)
        {
            var damaged = (byte[])der.Clone();
            var at = random.Next(damaged.Length);
            damaged[at] ^= (byte)(1 + random.Next(255));
            variants.Add(($"DER byte {at} flipped", Pem(damaged)));
        }

        return variants;
    }

    private static string Pem(byte[] der) => PemEncoding.WriteString("CERTIFICATE REQUEST", der);

    private static byte[] Rsa(int bits)
    {
        using var rsa = RSA.Create(bits);
        return new CertificateRequest("CN=workload", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequest();
    }

    private static byte[] Ec(ECCurve curve, string subject)
    {
        using var key = ECDsa.Create(curve);
        return new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }

    private static byte[] WithSan(ECDsa key, string uri)
    {
        var request = new CertificateRequest("CN=workload", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(uri));
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSigningRequest();
    }
}
