using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security.Ca;

/// <summary>
/// A CA that can sign: its certificate with private key, the intermediates up to its root, and the root itself
/// (the same object when the signer is a self-signed root). <see cref="ToString"/> never shows key material.
/// </summary>
public sealed class CaCredential : IDisposable
{
    internal CaCredential(X509Certificate2 signer, IReadOnlyList<X509Certificate2> intermediates, X509Certificate2 root)
    {
        Certificate = signer;
        Intermediates = intermediates;
        Root = root;
    }

    /// <summary>The signing certificate; it carries the private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Certificates between the signer and the root (excluding both); empty for a root signer.</summary>
    public IReadOnlyList<X509Certificate2> Intermediates { get; }

    /// <summary>The trust anchor workloads must hold to verify certificates issued by this credential.</summary>
    public X509Certificate2 Root { get; }

    /// <summary>True when the signer itself is the (self-signed) root.</summary>
    public bool IsRoot => ReferenceEquals(Certificate, Root);

    /// <summary>Generates a self-signed root: CA:true (critical), keyCertSign|cRLSign (critical), SKI, default 10 years.</summary>
    public static CaCredential CreateSelfSignedRoot(string trustDomain, CaKeyAlgorithm algorithm, TimeProvider timeProvider, TimeSpan? validity = null) =>
        RootCaFactory.Create(trustDomain, algorithm, timeProvider, validity ?? TimeSpan.FromDays(3650));

    /// <summary>
    /// Imports a CA from PEM. <paramref name="certificateChainPem"/> starts with the signing certificate, optionally
    /// followed by intermediates and the root. An intermediate needs its root, either in the chain or in
    /// <paramref name="rootCertificatePem"/>. Throws <see cref="CaException"/> when the certificate is not a CA,
    /// is expired, the key does not match, or the chain does not lead to the root.
    /// </summary>
    public static CaCredential ImportPem(string certificateChainPem, string privateKeyPem, TimeProvider timeProvider, string? rootCertificatePem = null) =>
        CaImporter.Import(certificateChainPem, privateKeyPem, rootCertificatePem, timeProvider);

    /// <summary>Signer followed by intermediates and root, as PEM (public data, safe to store in the clear).</summary>
    public string ExportCertificateChainPem()
    {
        IEnumerable<X509Certificate2> all = IsRoot ? [Certificate] : [Certificate, .. Intermediates, Root];
        return string.Concat(all.Select(c => c.ExportCertificatePem() + "\n"));
    }

    /// <summary>The signer's private key as PKCS#8 DER. Treat as secret; prefer <see cref="CaKeyProtector"/> for storage.</summary>
    public byte[] ExportPrivateKeyPkcs8() =>
        (AsymmetricAlgorithm?)Certificate.GetECDsaPrivateKey() is { } ec ? Dispose(ec)
        : (AsymmetricAlgorithm?)Certificate.GetRSAPrivateKey() is { } rsa ? Dispose(rsa)
        : throw new CaException("The CA certificate has no usable private key.");

    public override string ToString() => $"CA {Certificate.Subject} (thumbprint {Certificate.Thumbprint}, expires {Certificate.NotAfter:u})";

    public void Dispose()
    {
        Certificate.Dispose();
        foreach (var c in Intermediates)
        {
            c.Dispose();
        }

        if (!IsRoot)
        {
            Root.Dispose();
        }
    }

    private static byte[] Dispose(AsymmetricAlgorithm key)
    {
        using (key)
        {
            return key.ExportPkcs8PrivateKey();
        }
    }
}
