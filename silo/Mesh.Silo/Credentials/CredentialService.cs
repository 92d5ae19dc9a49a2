using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Grains.Credentials;
using Mesh.Security.Ca;
using Mesh.Silo.Api;
using Mesh.Silo.Certificates;

namespace Mesh.Silo.Credentials;

/// <summary>What an operator stores: PEM text of the certificate chain, its private key and the CA bundle.</summary>
internal sealed record CredentialInput(string? Certificate, string? PrivateKey, string? CaCertificates);

/// <summary>What the admin API shows of a credential: never the key.</summary>
internal sealed record CredentialView(
    string Namespace, string Name, string? Subject, IReadOnlyList<string> DnsNames, DateTimeOffset? NotAfter, bool HasPrivateKey, int CaCertificates, DateTimeOffset UpdatedAt);

/// <summary>The whole credential, for a proxy of the credential's namespace only.</summary>
internal sealed record CredentialMaterial(string? Certificate, string? PrivateKey, string? CaCertificates);

/// <summary>
/// Validates, seals and opens namespace credentials. The silo that receives a credential seals its key with the KEK
/// before the grain sees it, as the CA does with its roots.
/// </summary>
internal sealed class CredentialService(IGrainFactory grains, CertificateAuthorityService ca, TimeProvider timeProvider)
{
    public async Task<(CredentialView View, bool Replaced)> PutAsync(string ns, string name, CredentialInput input, CancellationToken cancellationToken)
    {
        CheckNames(ns, name);
        var (chain, caCertificates) = Check(input);
        using (chain)
        {
            var sealedKey = input.PrivateKey is { } key ? ca.RequireKek().Seal(Encoding.UTF8.GetBytes(key), AssociatedData(ns, name)) : null;
            var credential = new SealedCredential(name, input.Certificate, sealedKey, input.CaCertificates, timeProvider.GetUtcNow());
            var replaced = await Grain(ns).PutAsync(credential, cancellationToken);
            return (View(ns, credential, chain, caCertificates), replaced);
        }
    }

    public async Task<IReadOnlyList<CredentialView>> ListAsync(string ns, CancellationToken cancellationToken)
    {
        CheckNames(ns, null);
        return [.. (await Grain(ns).ListAsync(cancellationToken)).Select(c => View(ns, c))];
    }

    public async Task<CredentialView> GetAsync(string ns, string name, CancellationToken cancellationToken)
    {
        CheckNames(ns, name);
        return View(ns, await Grain(ns).GetAsync(name, cancellationToken) ?? throw NotFound(ns, name));
    }

    public async Task DeleteAsync(string ns, string name, CancellationToken cancellationToken)
    {
        CheckNames(ns, name);
        if (!await Grain(ns).DeleteAsync(name, cancellationToken))
        {
            throw NotFound(ns, name);
        }
    }

    /// <summary>The credential with its key decrypted, for a caller already proven to belong to <paramref name="ns"/>.</summary>
    public async Task<CredentialMaterial> OpenAsync(string ns, string name, CancellationToken cancellationToken)
    {
        CheckNames(ns, name);
        var credential = await Grain(ns).GetAsync(name, cancellationToken) ?? throw NotFound(ns, name);
        string? key = null;
        if (credential.SealedPrivateKey is { } sealedKey)
        {
            try
            {
                key = Encoding.UTF8.GetString(ca.RequireKek().Open(sealedKey, AssociatedData(ns, name), "credential key"));
            }
            catch (CaException ex)
            {
                throw new ApiStatusException(500, ex.Message);
            }
        }

        return new CredentialMaterial(credential.CertificateChainPem, key, credential.CaCertificatesPem);
    }

    private INamespaceCredentialsGrain Grain(string ns) => grains.GetGrain<INamespaceCredentialsGrain>(ns);

    private static ApiStatusException NotFound(string ns, string name) => new(404, $"credential {ns}/{name} not found", "name");

    /// <summary>Binds a sealed key to its namespace and name, so it cannot be replayed under another credential.</summary>
    private static byte[] AssociatedData(string ns, string name) => Encoding.UTF8.GetBytes($"mesh-credential-v1:{ns}/{name}");

    private static void CheckNames(string ns, string? name)
    {
        var errors = new List<FieldError>();
        InputValidation.CheckNamespace(ns, errors, "namespace");
        if (name is not null && InputValidation.CheckDnsSubdomain(name) is { } problem)
        {
            errors.Add(new FieldError("name", problem));
        }

        InputValidation.Throw(errors);
    }

    /// <summary>Parses the PEM input; the key must belong to the chain's first certificate.</summary>
    private static (ParsedPem Chain, int CaCertificates) Check(CredentialInput input)
    {
        if (input.Certificate is null && input.CaCertificates is null)
        {
            throw new ApiValidationException("certificate", "give certificate and privateKey, caCertificates, or all three");
        }

        if ((input.Certificate is null) != (input.PrivateKey is null))
        {
            throw new ApiValidationException(input.Certificate is null ? "certificate" : "privateKey", "certificate and privateKey must be given together");
        }

        var chain = Pem(input.Certificate, "certificate");
        if (input.Certificate is not null && input.PrivateKey is not null)
        {
            try
            {
                using var withKey = X509Certificate2.CreateFromPem(input.Certificate, input.PrivateKey);
            }
            catch (Exception ex) when (ex is CryptographicException or ArgumentException)
            {
                chain.Dispose();
                throw new ApiValidationException("privateKey", "is not a PEM private key of the certificate's public key");
            }
        }

        using var authorities = Pem(input.CaCertificates, "caCertificates");
        return (chain, authorities.Certificates.Count);
    }

    private static ParsedPem Pem(string? text, string field)
    {
        var certificates = new X509Certificate2Collection();
        if (text is null)
        {
            return new ParsedPem(certificates);
        }

        try
        {
            certificates.ImportFromPem(text);
        }
        catch (CryptographicException)
        {
            throw new ApiValidationException(field, "is not valid PEM");
        }

        return certificates.Count > 0 ? new ParsedPem(certificates) : throw new ApiValidationException(field, "holds no PEM certificate");
    }

    private static CredentialView View(string ns, SealedCredential credential)
    {
        using var chain = Pem(credential.CertificateChainPem, "certificate");
        using var authorities = Pem(credential.CaCertificatesPem, "caCertificates");
        return View(ns, credential, chain, authorities.Certificates.Count);
    }

    private static CredentialView View(string ns, SealedCredential credential, ParsedPem chain, int caCertificates)
    {
        var leaf = chain.Certificates.Count > 0 ? chain.Certificates[0] : null;
        var dnsNames = leaf?.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList() ?? [];
        return new CredentialView(ns, credential.Name, leaf?.Subject, dnsNames, leaf?.NotAfter.ToUniversalTime(), credential.SealedPrivateKey is not null, caCertificates,
            credential.UpdatedAt);
    }

    /// <summary>Certificates parsed from PEM, disposed together.</summary>
    private sealed class ParsedPem(X509Certificate2Collection certificates) : IDisposable
    {
        public X509Certificate2Collection Certificates { get; } = certificates;

        public void Dispose()
        {
            foreach (var certificate in Certificates)
            {
                certificate.Dispose();
            }
        }
    }
}
