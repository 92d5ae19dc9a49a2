using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security.Identity;

/// <summary>
/// Validates an mTLS peer's X.509-SVID against a trust bundle: the chain must build to one of the bundle's roots
/// (system roots are never consulted), be within its validity period, and the leaf must carry exactly one URI SAN
/// that is a valid SPIFFE ID. Revocation is not checked; short certificate lifetimes stand in for it.
/// </summary>
public sealed class PeerCertificateValidator
{
    private readonly TimeProvider _timeProvider;

    public PeerCertificateValidator(TimeProvider timeProvider) => _timeProvider = timeProvider;

    /// <summary>Validates <paramref name="leaf"/> with optional <paramref name="intermediates"/> the peer presented.</summary>
    /// <param name="expected">When set, the peer's SPIFFE ID must equal it.</param>
    /// <param name="expectedTrustDomain">When set, the peer's trust domain must equal it.</param>
    public PeerValidationResult Validate(
        X509Certificate2? leaf,
        X509Certificate2Collection? intermediates,
        X509Certificate2Collection trustBundle,
        SpiffeId? expected = null,
        string? expectedTrustDomain = null,
        IReadOnlyDictionary<string, string>? rootTrustDomains = null)
    {
        if (leaf is null)
        {
            return PeerValidationResult.Invalid("no client certificate presented");
        }

        if (trustBundle.Count == 0)
        {
            return PeerValidationResult.Invalid("trust bundle is empty");
        }

        if (leaf.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is { CertificateAuthority: true })
        {
            return PeerValidationResult.Invalid("peer presented a CA certificate as its leaf");
        }

        string anchor;
        using (var chain = new X509Chain())
        {
            var policy = chain.ChainPolicy;
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            policy.CustomTrustStore.AddRange(trustBundle);
            policy.RevocationMode = X509RevocationMode.NoCheck;
            policy.DisableCertificateDownloads = true;
            policy.VerificationTime = _timeProvider.GetUtcNow().UtcDateTime;
            policy.VerificationTimeIgnored = false;
            if (intermediates is not null)
            {
                policy.ExtraStore.AddRange(intermediates);
            }

            if (!chain.Build(leaf))
            {
                var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct().ToList();
                var reason = statuses.Contains(X509ChainStatusFlags.NotTimeValid)
                    ? $"certificate is expired or not yet valid (valid {leaf.NotBefore.ToUniversalTime():u} to {leaf.NotAfter.ToUniversalTime():u})"
                    : statuses.Contains(X509ChainStatusFlags.UntrustedRoot) || statuses.Contains(X509ChainStatusFlags.PartialChain)
                        ? "certificate is not issued by a CA in the trust bundle"
                        : "certificate chain is invalid: " + string.Join(", ", statuses);
                return PeerValidationResult.Invalid(reason);
            }

            anchor = chain.ChainElements[^1].Certificate.Thumbprint;
        }

        var uris = ReadUriSans(leaf);
        if (uris is null)
        {
            return PeerValidationResult.Invalid("certificate has a malformed subjectAltName extension");
        }

        if (uris.Count != 1)
        {
            return PeerValidationResult.Invalid($"certificate must carry exactly one URI SAN; found {uris.Count}");
        }

        if (!SpiffeId.TryParse(uris[0], out var id, out var error))
        {
            return PeerValidationResult.Invalid($"URI SAN is not a SPIFFE ID: {error}");
        }

        if (rootTrustDomains is not null && rootTrustDomains.TryGetValue(anchor, out var vouched) && vouched != id.TrustDomain)
        {
            return PeerValidationResult.Invalid($"peer trust domain '{id.TrustDomain}' is not vouched for by its root, which is trust domain '{vouched}''s");
        }

        if (expectedTrustDomain is not null && id.TrustDomain != expectedTrustDomain)
        {
            return PeerValidationResult.Invalid($"peer trust domain '{id.TrustDomain}' is not '{expectedTrustDomain}'");
        }

        if (expected is not null && id != expected)
        {
            return PeerValidationResult.Invalid($"peer identity '{id}' is not the expected '{expected}'");
        }

        return PeerValidationResult.Valid(id);
    }

    /// <summary>
    /// Adapter for <c>RemoteCertificateValidationCallback</c>: uses the intermediates the TLS stack collected in
    /// <paramref name="chain"/>'s extra store, ignoring the platform's own verdict (it used system roots).
    /// </summary>
    public PeerValidationResult Validate(
        System.Security.Cryptography.X509Certificates.X509Certificate? certificate,
        X509Chain? chain,
        X509Certificate2Collection trustBundle,
        SpiffeId? expected = null,
        IReadOnlyDictionary<string, string>? rootTrustDomains = null)
    {
        var leaf = certificate as X509Certificate2 ?? (certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
        return Validate(leaf, chain?.ChainPolicy.ExtraStore, trustBundle, expected, rootTrustDomains: rootTrustDomains);
    }

    /// <summary>URIs in the SAN extension, or null when the extension cannot be decoded.</summary>
    internal static List<string>? ReadUriSans(X509Certificate2 certificate)
    {
        var uris = new List<string>();
        foreach (var ext in certificate.Extensions)
        {
            if (ext.Oid?.Value != "2.5.29.17")
            {
                continue;
            }

            try
            {
                var reader = new AsnReader(ext.RawData, AsnEncodingRules.DER).ReadSequence();
                var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
                while (reader.HasData)
                {
                    if (reader.PeekTag() == uriTag)
                    {
                        uris.Add(reader.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                    }
                    else
                    {
                        reader.ReadEncodedValue();
                    }
                }
            }
            catch (AsnContentException)
            {
                return null;
            }
        }

        return uris;
    }
}
