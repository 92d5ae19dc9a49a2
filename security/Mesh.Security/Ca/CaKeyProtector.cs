using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mesh.Security.Ca;

/// <summary>
/// Encrypts the CA private key for storage with AES-256-GCM under a <see cref="KeyEncryptionKey"/>. The SHA-256 of
/// the CA certificate is bound as associated data, so a protected key cannot be paired with another certificate.
/// Format: <c>v1.</c> + base64(nonce[12] | tag[16] | ciphertext).
/// </summary>
public sealed class CaKeyProtector
{
    private readonly KeyEncryptionKey _kek;

    public CaKeyProtector(KeyEncryptionKey kek) => _kek = kek;

    /// <summary>Encrypts the credential's private key; store the result beside <see cref="CaCredential.ExportCertificateChainPem"/>.</summary>
    public string Protect(CaCredential credential)
    {
        var plaintext = credential.ExportPrivateKeyPkcs8();
        try
        {
            return _kek.Seal(plaintext, AssociatedData(credential.Certificate));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>
    /// Decrypts a protected key and rebuilds the credential from the stored chain PEM. Throws <see cref="CaException"/>
    /// when the KEK is wrong or the data was altered.
    /// </summary>
    public CaCredential Unprotect(string protectedKey, string certificateChainPem, TimeProvider timeProvider, string? rootCertificatePem = null)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(certificateChainPem);
        }
        catch (CryptographicException)
        {
            throw new CaException("The stored CA certificate chain is not valid PEM.");
        }

        if (collection.Count == 0)
        {
            throw new CaException("The stored CA certificate chain is empty.");
        }

        var plaintext = Decrypt(protectedKey, collection[0]);
        try
        {
            var keyPem = PemEncoding.Write("PRIVATE KEY", plaintext);
            try
            {
                return CaCredential.ImportPem(certificateChainPem, new string(keyPem), timeProvider, rootCertificatePem);
            }
            finally
            {
                Array.Clear(keyPem);
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private byte[] Decrypt(string protectedKey, X509Certificate2 certificate) => _kek.Open(protectedKey, AssociatedData(certificate), "CA key");

    private static byte[] AssociatedData(X509Certificate2 certificate) =>
        [.. Encoding.ASCII.GetBytes("mesh-ca-key-v1:"), .. SHA256.HashData(certificate.RawData)];

    public override string ToString() => "CaKeyProtector(AES-256-GCM)";
}
