using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security.Ca;

internal static class RootCaFactory
{
    public static CaCredential Create(string trustDomain, CaKeyAlgorithm algorithm, TimeProvider timeProvider, TimeSpan validity)
    {
        if (string.IsNullOrWhiteSpace(trustDomain))
        {
            throw new CaException("Trust domain must not be empty.");
        }

        // A distinct name per root keeps chain building unambiguous while two roots share the bundle during rotation.
        var now = timeProvider.GetUtcNow();
        var subject = new X500DistinguishedName($"O={trustDomain}, CN=Mesh Root CA {now:yyyyMMddHHmmss} {Convert.ToHexString(RandomNumberGenerator.GetBytes(4))}");
        using var key = CreateKey(algorithm);
        var request = key switch
        {
            ECDsa ec => new CertificateRequest(subject, ec, algorithm == CaKeyAlgorithm.EcdsaP384 ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256),
            RSA rsa => new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
            _ => throw new CaException($"Unsupported CA key algorithm {algorithm}."),
        };

        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));

        // Serial numbers come from the same random source as workload serials, so roots of
        // independently started silos never collide either.
        var root = request.Create(subject, Sign(key), now.AddMinutes(-5), now.Add(validity), SerialNumbers.Next());
        var withKey = key switch
        {
            ECDsa ec => root.CopyWithPrivateKey(ec),
            _ => root.CopyWithPrivateKey((RSA)key),
        };
        root.Dispose();
        return new CaCredential(withKey, [], withKey);
    }

    internal static X509SignatureGenerator Sign(AsymmetricAlgorithm key) => key switch
    {
        ECDsa ec => X509SignatureGenerator.CreateForECDsa(ec),
        RSA rsa => X509SignatureGenerator.CreateForRSA(rsa, RSASignaturePadding.Pkcs1),
        _ => throw new CaException("Unsupported CA key type."),
    };

    private static AsymmetricAlgorithm CreateKey(CaKeyAlgorithm algorithm) => algorithm switch
    {
        CaKeyAlgorithm.EcdsaP256 => ECDsa.Create(ECCurve.NamedCurves.nistP256),
        CaKeyAlgorithm.EcdsaP384 => ECDsa.Create(ECCurve.NamedCurves.nistP384),
        CaKeyAlgorithm.Rsa2048 => RSA.Create(2048),
        CaKeyAlgorithm.Rsa3072 => RSA.Create(3072),
        CaKeyAlgorithm.Rsa4096 => RSA.Create(4096),
        _ => throw new CaException($"Unsupported CA key algorithm {algorithm}."),
    };
}
