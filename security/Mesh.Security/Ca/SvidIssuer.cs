using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Identity;

namespace Mesh.Security.Ca;

/// <summary>Turns a PKCS#10 CSR into an X.509-SVID signed by one CA credential.</summary>
internal static class SvidIssuer
{
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    public static IssuedCertificate Issue(
        CaCredential ca, string csrPem, SpiffeId identity, TimeSpan? ttl, CertificateAuthorityOptions options, DateTimeOffset now)
    {
        var publicKey = LoadVerifiedPublicKey(csrPem, options);
        using var caKey = (AsymmetricAlgorithm?)ca.Certificate.GetECDsaPrivateKey() ?? ca.Certificate.GetRSAPrivateKey()
            ?? throw new CaException("The CA certificate has no usable private key.");
        var hash = caKey is ECDsa { KeySize: > 256 } ? HashAlgorithmName.SHA384 : HashAlgorithmName.SHA256;

        // The CSR's subject and extensions are ignored on purpose: identity comes only from the authenticated caller.
        var request = new CertificateRequest(new X500DistinguishedName(""), publicKey, hash, caKey is RSA ? RSASignaturePadding.Pkcs1 : null);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(identity.ToString()));
        request.CertificateExtensions.Add(san.Build(critical: true)); // critical because the subject is empty (RFC 5280 4.2.1.6)
        var usage = publicKey.GetRSAPublicKey() is null
            ? X509KeyUsageFlags.DigitalSignature
            : X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([ServerAuth, ClientAuth], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(publicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));

        var lifetime = ttl is { } requested && requested > TimeSpan.Zero ? requested : options.DefaultWorkloadTtl;
        if (lifetime > options.MaxWorkloadTtl)
        {
            lifetime = options.MaxWorkloadTtl;
        }

        var notBefore = now - options.ClockSkew;
        var caNotBefore = new DateTimeOffset(ca.Certificate.NotBefore.ToUniversalTime());
        if (notBefore < caNotBefore)
        {
            notBefore = caNotBefore; // a leaf must not predate its issuer either
        }

        var notAfter = now + lifetime;
        var caNotAfter = new DateTimeOffset(ca.Certificate.NotAfter.ToUniversalTime());
        if (notAfter > caNotAfter)
        {
            notAfter = caNotAfter; // a leaf must not outlive its issuer
        }

        using var leaf = request.Create(ca.Certificate.SubjectName, RootCaFactory.Sign(caKey), notBefore, notAfter, SerialNumbers.Next());
        IEnumerable<X509Certificate2> chain = ca.IsRoot ? [leaf] : [leaf, ca.Certificate, .. ca.Intermediates];
        return new IssuedCertificate(
            string.Concat(chain.Select(c => c.ExportCertificatePem() + "\n")),
            leaf.SerialNumber,
            identity.ToString(),
            new DateTimeOffset(leaf.NotBefore.ToUniversalTime()),
            new DateTimeOffset(leaf.NotAfter.ToUniversalTime()),
            ca.Certificate.Thumbprint);
    }

    private static PublicKey LoadVerifiedPublicKey(string csrPem, CertificateAuthorityOptions options)
    {
        if (string.IsNullOrWhiteSpace(csrPem))
        {
            throw new InvalidCsrException("csr: the CSR is empty.");
        }

        if (csrPem.Length > 64 * 1024)
        {
            throw new InvalidCsrException("csr: the CSR is larger than 64 KiB.");
        }

        CertificateRequest csr;
        try
        {
            // Default load options verify the CSR's self-signature: proof the caller holds the private key.
            csr = CertificateRequest.LoadSigningRequestPem(csrPem, HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidCsrException($"csr: not a valid PKCS#10 request or its signature does not verify ({ex.Message.TrimEnd('.')}).");
        }
        catch (NotSupportedException ex)
        {
            // An unknown signature algorithm or curve OID (PlatformNotSupportedException derives from this one).
            throw new InvalidCsrException($"csr: unsupported algorithm ({ex.Message.TrimEnd('.')}).");
        }
        catch (ArgumentException)
        {
            throw new InvalidCsrException("csr: no 'CERTIFICATE REQUEST' PEM block found.");
        }

        try
        {
            return CheckKey(csr.PublicKey, options);
        }
        catch (Exception ex) when (ex is CryptographicException or NotSupportedException)
        {
            throw new InvalidCsrException($"csr: the public key cannot be read ({ex.Message.TrimEnd('.')}).");
        }
    }

    private static PublicKey CheckKey(PublicKey key, CertificateAuthorityOptions options)
    {
        using var rsa = key.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize >= options.MinimumRsaKeySize
                ? key
                : throw new InvalidCsrException($"csr: RSA key of {rsa.KeySize} bits is too weak; at least {options.MinimumRsaKeySize} bits are required.");
        }

        using var ec = key.GetECDsaPublicKey();
        if (ec is not null)
        {
            var curve = ec.ExportParameters(false).Curve.Oid.Value;
            return curve is "1.2.840.10045.3.1.7" or "1.3.132.0.34" or "1.3.132.0.35"
                ? key
                : throw new InvalidCsrException("csr: unsupported elliptic curve; use P-256, P-384 or P-521.");
        }

        throw new InvalidCsrException($"csr: unsupported key algorithm {key.Oid.FriendlyName ?? key.Oid.Value}; use RSA (2048+) or ECDSA.");
    }
}
