using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Ca;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>
/// The store's CA credentials as this silo last read them: the trust bundle (roots of every credential that is not
/// retired) and the signer decrypted from the active row, or why there is none. Rebuilt only when
/// <see cref="Fingerprint"/> (thumbprints and states) changes, so a change made through any silo is seen here.
/// </summary>
internal sealed record CaRootSet(string Fingerprint, IReadOnlyList<CaRootRow> Rows, TrustBundle Bundle, CertificateAuthority? Signer, string? SignerProblem)
{
    public static string FingerprintOf(IReadOnlyList<CaRootRow> rows) => string.Join(";", rows.Select(r => $"{r.Thumbprint}={r.State}"));

    public static CaRootSet Build(IReadOnlyList<CaRootRow> rows, KeyEncryptionKey? kek, string? kekProblem, CertificateAuthorityOptions options, TimeProvider timeProvider)
    {
        var bundle = new TrustBundle(rows.Where(r => r.State != CaRootState.Retired).Select(r => RootOf(r.ChainPem)).OfType<X509Certificate2>());
        var active = rows.FirstOrDefault(r => r.State == CaRootState.Active);
        if (active is null)
        {
            return new CaRootSet(FingerprintOf(rows), rows, bundle, null, kekProblem ?? "the CA has no active root yet; retry shortly");
        }

        if (kek is null)
        {
            return new CaRootSet(FingerprintOf(rows), rows, bundle, null, kekProblem);
        }

        try
        {
            var credential = new CaKeyProtector(kek).Unprotect(active.ProtectedKey, active.ChainPem, timeProvider);
            return new CaRootSet(FingerprintOf(rows), rows, bundle, new CertificateAuthority(credential, options, timeProvider), null);
        }
        catch (CaException ex)
        {
            return new CaRootSet(FingerprintOf(rows), rows, bundle, null, $"CA not available: the active CA credential {active.Thumbprint} cannot be loaded: {ex.Message}");
        }
    }

    /// <summary>The trust anchor of a stored chain: its last certificate (chains are stored signer first, root last).</summary>
    public static X509Certificate2? RootOf(string chainPem) => Parse(chainPem) is { Count: > 0 } chain ? chain[^1] : null;

    public static X509Certificate2Collection? Parse(string chainPem)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(chainPem);
            return collection;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    /// <summary>Public metadata of every credential; never keys.</summary>
    public IReadOnlyList<CaRootView> Views() => [.. Rows.Select(View)];

    public static CaRootView View(CaRootRow row)
    {
        var chain = Parse(row.ChainPem);
        var signer = chain is { Count: > 0 } ? chain[0] : null;
        return new CaRootView(
            row.Thumbprint,
            signer?.Subject ?? "",
            chain is { Count: > 0 } ? chain[^1].Thumbprint : row.Thumbprint,
            signer is null ? default : new DateTimeOffset(signer.NotBefore.ToUniversalTime()),
            signer is null ? default : new DateTimeOffset(signer.NotAfter.ToUniversalTime()),
            row.State.ToString().ToLowerInvariant(),
            row.CreatedAt);
    }
}

/// <summary>What the API shows about a CA credential. <see cref="RootThumbprint"/> differs from the thumbprint for an imported intermediate.</summary>
public sealed record CaRootView(string Thumbprint, string Subject, string RootThumbprint, DateTimeOffset NotBefore, DateTimeOffset NotAfter, string State, DateTimeOffset CreatedAt);
