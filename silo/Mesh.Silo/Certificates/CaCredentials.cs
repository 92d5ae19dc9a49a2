using System.Security.Cryptography.X509Certificates;
using Mesh.Grains.Certificates;
using Mesh.Security.Ca;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>Makes CA credentials (generated or imported from PEM) and their store rows, the key sealed by the KEK.</summary>
internal static class CaCredentials
{
    /// <summary>A new self-signed root, or the given PEM certificate (chain) and key. Throws <see cref="CaException"/> for bad PEM.</summary>
    public static CaCredential CreateOrImport(CaSettings settings, string? certificatePem, string? privateKeyPem, TimeProvider timeProvider)
    {
        if (certificatePem is null)
        {
            return CaCredential.CreateSelfSignedRoot(settings.TrustDomain, settings.KeyAlgorithm, timeProvider, settings.RootValidity);
        }

        var imported = CaCredential.ImportPem(certificatePem, privateKeyPem ?? "", timeProvider);
        if (!imported.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Any())
        {
            // Issued certificates name their issuer by this key identifier; RFC 5280 requires it on CA certificates.
            imported.Dispose();
            throw new CaException("The CA certificate has no Subject Key Identifier extension; RFC 5280 requires one on CA certificates.");
        }

        return imported;
    }

    /// <summary>The credential as the CA grain stores it: the public chain and the key sealed by the KEK.</summary>
    public static SealedCaRoot Seal(CaCredential credential, KeyEncryptionKey kek, DateTimeOffset now) =>
        new(credential.Certificate.Thumbprint, credential.ExportCertificateChainPem(), new CaKeyProtector(kek).Protect(credential), now);

    /// <summary>
    /// The key-encryption key, from <c>Mesh:Ca:KeyEncryptionKey</c>, env <c>MESH_CA_KEK</c> or <c>Mesh:Ca:KeyEncryptionKeyFile</c>;
    /// an ephemeral one when the store is in-memory anyway; otherwise null and the reason (never the key).
    /// </summary>
    public static async Task<(KeyEncryptionKey? Kek, string? Problem)> ResolveKekAsync(CaSettings settings, bool inMemoryStore, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            if (!string.IsNullOrWhiteSpace(settings.KeyEncryptionKey))
            {
                return (KeyEncryptionKey.FromBase64(settings.KeyEncryptionKey), null);
            }

            if (!string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("MESH_CA_KEK")))
            {
                return (KeyEncryptionKey.FromEnvironment("MESH_CA_KEK"), null);
            }

            if (!string.IsNullOrWhiteSpace(settings.KeyEncryptionKeyFile))
            {
                return (await KeyEncryptionKey.FromFileAsync(settings.KeyEncryptionKeyFile, cancellationToken), null);
            }
        }
        catch (CaException ex)
        {
            return (null, $"CA not configured: the key-encryption key is unusable: {ex.Message}");
        }

        if (inMemoryStore)
        {
            CaLog.EphemeralKek(logger);
            return (KeyEncryptionKey.Generate(), null);
        }

        return (null, "CA not configured: set MESH_CA_KEK (base64 of 32 bytes), Mesh:Ca:KeyEncryptionKey or Mesh:Ca:KeyEncryptionKeyFile");
    }
}
