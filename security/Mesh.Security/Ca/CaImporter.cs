using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security.Ca;

internal static class CaImporter
{
    // A CA minted moments ago on a machine whose clock runs slightly ahead must still import.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static CaCredential Import(string chainPem, string keyPem, string? rootPem, TimeProvider timeProvider)
    {
        var chain = ParseCertificates(chainPem, "certificate chain");
        var signerPem = chain[0].ExportCertificatePem();
        X509Certificate2 signer;
        try
        {
            signer = X509Certificate2.CreateFromPem(signerPem, keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // The inner message can quote PEM labels; ours names the fault without touching key material.
            throw new CaException("The CA private key is not a valid unencrypted PEM key or does not match the CA certificate.");
        }

        RequireCa(signer, timeProvider);
        var rest = chain.Skip(1).ToList();
        if (rootPem is not null)
        {
            rest.AddRange(ParseCertificates(rootPem, "root certificate"));
        }

        if (IsSelfSigned(signer))
        {
            return new CaCredential(signer, [], signer);
        }

        var root = rest.FirstOrDefault(IsSelfSigned)
            ?? throw new CaException("The CA certificate is an intermediate; its root certificate is required (append it to the chain or pass it separately).");
        var intermediates = rest.Where(c => !ReferenceEquals(c, root)).ToList();
        foreach (var intermediate in intermediates)
        {
            RequireCa(intermediate, timeProvider);
        }

        VerifyChain(signer, intermediates, root, timeProvider);
        return new CaCredential(signer, intermediates, root);
    }

    private static List<X509Certificate2> ParseCertificates(string pem, string what)
    {
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem ?? "");
        }
        catch (CryptographicException)
        {
            throw new CaException($"The {what} is not valid PEM.");
        }

        return collection.Count == 0 ? throw new CaException($"The {what} contains no PEM certificate.") : [.. collection];
    }

    private static void RequireCa(X509Certificate2 certificate, TimeProvider timeProvider)
    {
        var constraints = certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true })
        {
            throw new CaException($"Certificate '{certificate.Subject}' is not a CA (basicConstraints CA:true is missing).");
        }

        var usage = certificate.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign))
        {
            throw new CaException($"Certificate '{certificate.Subject}' may not sign certificates (keyUsage keyCertSign is missing).");
        }

        var now = timeProvider.GetUtcNow();
        if (now + ClockSkew < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            throw new CaException($"Certificate '{certificate.Subject}' is not valid now (valid {certificate.NotBefore:u} to {certificate.NotAfter:u}).");
        }
    }

    internal static bool IsSelfSigned(X509Certificate2 certificate)
    {
        if (!certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(certificate);
    }

    private static void VerifyChain(X509Certificate2 signer, List<X509Certificate2> intermediates, X509Certificate2 root, TimeProvider timeProvider)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.ExtraStore.AddRange(intermediates.ToArray());
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        // Validity was checked with skew above; verify at a moment when every certificate has started.
        var at = timeProvider.GetUtcNow().UtcDateTime;
        foreach (var c in intermediates.Append(signer).Append(root))
        {
            at = c.NotBefore.ToUniversalTime() > at ? c.NotBefore.ToUniversalTime() : at;
        }

        chain.ChainPolicy.VerificationTime = at;
        if (!chain.Build(signer))
        {
            var reasons = string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Distinct());
            throw new CaException($"The CA certificate does not chain to the given root: {reasons}");
        }
    }
}
