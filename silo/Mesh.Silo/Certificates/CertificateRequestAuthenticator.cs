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

        var fromTls = context.Connection.ClientCertificate;
        X509Certificate2? leaf = fromTls;
        var intermediates = new X509Certificate2Collection();
        if (leaf is null && !string.IsNullOrWhiteSpace(currentCertificatePem))
        {
            try
            {
                intermediates.ImportFromPem(currentCertificatePem);
            }
            catch (CryptographicException)
            {
                throw new ApiValidationException("currentCertificate", "is not valid PEM");
            }

            if (intermediates.Count == 0)
            {
                throw new ApiValidationException("currentCertificate", "contains no PEM certificate");
            }

            leaf = intermediates[0];
            intermediates.RemoveAt(0);
        }

        if (leaf is null)
        {
            throw Unauthorized("a join token (Authorization: Bearer <token>) or the current certificate (currentCertificate) is required");
        }

        var result = validator.Validate(leaf, intermediates, roots.Bundle.ToCollection(), expectedTrustDomain: trustDomain);
        if (result.SpiffeId is not { Namespace: { } ns, ServiceAccount: { } sa })
        {
            throw Unauthorized($"current certificate refused: {result.FailureReason ?? "its SPIFFE ID is not of the form /ns/<namespace>/sa/<service account>"}");
        }

        return new CertificateCaller(ns, sa, fromTls is null ? "renewal" : "renewal-tls", null, leaf, fromTls is not null);
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
