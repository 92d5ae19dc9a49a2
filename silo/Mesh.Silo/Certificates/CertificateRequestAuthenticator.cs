using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Identity;
using Mesh.Security.JoinTokens;
using Mesh.Silo.Api;

namespace Mesh.Silo.Certificates;

/// <summary>Who is asking for a certificate, how they proved it, and the join token to consume after signing.</summary>
internal sealed record CertificateCaller(string Namespace, string ServiceAccount, string Method, string? JoinToken, X509Certificate2? CurrentCertificate, bool KeyProvenByTls);

/// <summary>
/// Authenticates <c>POST /api/v1/certificates</c> without an admin token: either a join token
/// (<c>Authorization: Bearer</c>), or the caller's current SVID, which must chain to the trust bundle and be
/// unexpired. An SVID is public, so when it arrives in the body the CSR must reuse its key: the CSR's
/// self-signature then proves possession. A TLS client certificate proves possession itself.
/// Failures are 401 (400 for unparseable input), never 5xx; tokens are never logged or echoed.
/// </summary>
internal sealed class CertificateRequestAuthenticator(IJoinTokenStore tokens, PeerCertificateValidator validator, TimeProvider timeProvider)
{
    public async Task<CertificateCaller> AuthenticateAsync(HttpContext context, string? currentCertificatePem, CaRootSet roots, string trustDomain, CancellationToken cancellationToken)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length > 0)
        {
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            {
                throw Unauthorized("the Authorization header must be 'Bearer <join token>'");
            }

            var token = header[7..].Trim();
            // Checked without consuming: a single-use token is spent only once a certificate was actually signed.
            var record = token.Length is 0 or > 256 ? null : await tokens.FindAsync(JoinTokenService.Hash(token), cancellationToken);
            if (record is null)
            {
                throw Unauthorized("join token is unknown");
            }

            if (timeProvider.GetUtcNow() >= record.ExpiresAt)
            {
                throw Unauthorized("join token has expired");
            }

            return record.SingleUse && record.UsedAt is not null
                ? throw Unauthorized("join token was already used")
                : new CertificateCaller(record.Namespace, record.ServiceAccount, "join-token", token, null, false);
        }

        var (leaf, identity, fromTls) = AuthenticateSvid(context, currentCertificatePem, roots, trustDomain, "currentCertificate");
        return leaf is null
            ? throw Unauthorized("a join token (Authorization: Bearer <token>) or the current certificate (currentCertificate) is required")
            : new CertificateCaller(identity!.Namespace!, identity.ServiceAccount!, fromTls ? "renewal-tls" : "renewal", null, leaf, fromTls);
    }

    /// <summary>
    /// The caller's SVID from its TLS client certificate, else from <paramref name="chainPem"/> (a PEM chain in the body,
    /// public: the caller must still prove it holds the key). Null leaf when neither is there; 401 when it does not chain
    /// to the bundle or names no <c>/ns/&lt;namespace&gt;/sa/&lt;service account&gt;</c>.
    /// </summary>
    public (X509Certificate2? Leaf, SpiffeId? Identity, bool FromTls) AuthenticateSvid(HttpContext context, string? chainPem, CaRootSet roots, string trustDomain, string field)
    {
        var fromTls = context.Connection.ClientCertificate;
        X509Certificate2? leaf = fromTls;
        var intermediates = new X509Certificate2Collection();
        if (leaf is null && !string.IsNullOrWhiteSpace(chainPem))
        {
            try
            {
                intermediates.ImportFromPem(chainPem);
            }
            catch (CryptographicException)
            {
                throw new ApiValidationException(field, "is not valid PEM");
            }

            if (intermediates.Count == 0)
            {
                throw new ApiValidationException(field, "contains no PEM certificate");
            }

            leaf = intermediates[0];
            intermediates.RemoveAt(0);
        }

        if (leaf is null)
        {
            return (null, null, false);
        }

        var result = validator.Validate(leaf, intermediates, roots.Bundle.ToCollection(), expectedTrustDomain: trustDomain);
        return result.SpiffeId is { Namespace: not null, ServiceAccount: not null } identity
            ? (leaf, identity, fromTls is not null)
            : throw Unauthorized($"{(fromTls is null ? field : "client certificate")} refused: {result.FailureReason ?? "its SPIFFE ID is not of the form /ns/<namespace>/sa/<service account>"}");
    }

    /// <summary>For a renewal proven only by the CSR: the issued key must be the current certificate's key.</summary>
    public static void RequireSameKey(CertificateCaller caller, string issuedChainPem)
    {
        if (caller.CurrentCertificate is null || caller.KeyProvenByTls)
        {
            return;
        }

        using var issued = X509Certificate2.CreateFromPem(issuedChainPem);
        if (!issued.PublicKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(caller.CurrentCertificate.PublicKey.ExportSubjectPublicKeyInfo()))
        {
            throw Unauthorized("the CSR's key differs from the current certificate's key; a renewal proves possession by reusing the key (or by presenting the certificate as a TLS client certificate)");
        }
    }

    private static ApiStatusException Unauthorized(string message) => new(401, message, "Authorization");
}
