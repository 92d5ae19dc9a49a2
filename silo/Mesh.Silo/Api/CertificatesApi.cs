using Mesh.Security.Ca;
using Mesh.Security.JoinTokens;
using Mesh.Silo.Certificates;
using Mesh.Silo.Observability;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>
/// The CA under <c>/api/v1</c>: join tokens (admin), certificate signing (join token or current SVID, no admin
/// token), the trust bundle, root metadata and the issued-certificate log (read), and root rotation (admin).
/// No response ever carries a private key or a stored token.
/// </summary>
internal static class CertificatesApi
{
    public static void MapCertificatesApi(this RouteGroupBuilder api, RouteGroupBuilder writes, RouteGroupBuilder open)
    {
        writes.MapPost("/join-tokens", CreateJoinTokenAsync);
        open.MapPost("/certificates", SignAsync);

        api.MapGet("/ca/bundle", async (CertificateAuthorityService ca, CancellationToken ct) =>
            Results.Text((await ca.RequireBundleAsync(ct)).Bundle.Pem, "application/x-pem-file"));
        api.MapGet("/ca/roots", async (CertificateAuthorityService ca, CancellationToken ct) => (await ca.CurrentAsync(ct)).Views());
        api.MapGet("/ca/certificates", async (string? spiffeId, int? limit, ICaStore store, CancellationToken ct) =>
        {
            if (limit is < 1 or > 1000)
            {
                throw new ApiValidationException("limit", $"{limit} is outside 1..1000");
            }

            return await store.ListIssuedAsync(string.IsNullOrEmpty(spiffeId) ? null : spiffeId, limit ?? 100, ct);
        });

        writes.MapPost("/ca/roots", async (HttpRequest request, CertificateAuthorityService ca, SiloOptions options, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadJsonAsync<AddRootRequest>(request, options, ct);
            if ((body.Certificate is null) != (body.PrivateKey is null))
            {
                throw new ApiValidationException(body.Certificate is null ? "certificate" : "privateKey", "certificate and privateKey must be given together (or neither, to generate a root)");
            }

            var view = await ca.AddRootAsync(body.Certificate, body.PrivateKey, body.Activate, ct);
            return Results.Json(view, statusCode: StatusCodes.Status201Created);
        });
        writes.MapPost("/ca/roots/{thumbprint}/activate", (string thumbprint, CertificateAuthorityService ca, CancellationToken ct) =>
            ca.ActivateAsync(CheckThumbprint(thumbprint), ct));
        writes.MapDelete("/ca/roots/{thumbprint}", async (string thumbprint, CertificateAuthorityService ca, CancellationToken ct) =>
        {
            await ca.RetireAsync(CheckThumbprint(thumbprint), ct);
            return Results.NoContent();
        });
    }

    private static async Task<IResult> CreateJoinTokenAsync(HttpRequest request, JoinTokenService tokens, CertificateAuthorityService ca, SiloOptions options, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<JoinTokenRequest>(request, options, ct);
        var errors = new List<FieldError>();
        InputValidation.CheckNamespace(body.Namespace, errors, "namespace");
        if (InputValidation.CheckDnsSubdomain(body.ServiceAccount) is { } problem)
        {
            errors.Add(new FieldError("serviceAccount", problem));
        }

        var max = (long)options.Ca.MaxJoinTokenTtl.TotalSeconds;
        if (body.TtlSeconds is { } ttl && (ttl < 1 || ttl > max))
        {
            errors.Add(new FieldError("ttlSeconds", $"{ttl} is outside 1..{max}"));
        }

        InputValidation.Throw(errors);
        var lifetime = body.TtlSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : options.Ca.DefaultJoinTokenTtl;
        var created = await tokens.CreateAsync(body.Namespace!, body.ServiceAccount!, lifetime, body.SingleUse, ct);
        var record = created.Record;
        var bundle = await TryGetBundleAsync(ca, ct);
        return Results.Json(new JoinTokenResponse(created.Token, record.Namespace, record.ServiceAccount, record.ExpiresAt, record.SingleUse, bundle), statusCode: StatusCodes.Status201Created);
    }

    /// <summary>The bundle to hand out with a token, so a new sidecar can verify the silo on first contact; null while the CA is down.</summary>
    private static async Task<string?> TryGetBundleAsync(CertificateAuthorityService ca, CancellationToken ct)
    {
        try
        {
            return (await ca.CurrentAsync(ct)).Bundle is { Roots.Count: > 0 } bundle ? bundle.Pem : null;
        }
        catch (ApiStatusException)
        {
            return null;
        }
    }

    private static async Task<CertificateResponse> SignAsync(
        HttpContext context, CertificateAuthorityService ca, CertificateRequestAuthenticator authenticator, JoinTokenService tokens,
        SiloOptions options, SiloMetrics metrics, ILogger<CertificateAuthorityService> logger, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<CertificateSigningRequest>(context.Request, options, ct);
        var max = (long)options.Ca.MaxWorkloadCertTtl.TotalSeconds;
        if (body.TtlSeconds is { } ttl && (ttl < 60 || ttl > max))
        {
            throw new ApiValidationException("ttlSeconds", $"{ttl} is outside 60..{max}");
        }

        if (string.IsNullOrWhiteSpace(body.Csr))
        {
            throw new ApiValidationException("csr", "is required (a PEM 'CERTIFICATE REQUEST')");
        }

        var (signer, roots) = await ca.RequireSignerAsync(ct);
        try
        {
            var caller = await authenticator.AuthenticateAsync(context, body.CurrentCertificate, roots, options.Ca.TrustDomain, ct);
            var issued = signer.Issue(body.Csr, caller.Namespace, caller.ServiceAccount, body.TtlSeconds is { } s ? TimeSpan.FromSeconds(s) : null);
            CertificateRequestAuthenticator.RequireSameKey(caller, issued.CertificateChainPem);
            if (caller.JoinToken is { } token && await tokens.RedeemAsync(token, ct) is { IsValid: false } spent)
            {
                // Lost a race for a single-use token (or it expired meanwhile): the signed certificate is discarded.
                throw new ApiStatusException(401, spent.FailureReason ?? "join token refused", "Authorization");
            }

            await ca.RecordAsync(issued, ct);
            CaLog.Issued(logger, issued.SerialNumber, issued.SpiffeId, issued.NotAfter, caller.Method);
            metrics.CertificatesIssued.Add(1, new KeyValuePair<string, object?>("method", caller.Method));
            return new CertificateResponse(issued.CertificateChainPem, issued.SerialNumber, issued.SpiffeId, issued.NotAfter, roots.Bundle.Pem);
        }
        catch (Exception ex) when (ex is ApiStatusException { StatusCode: 401 } or ApiValidationException or InvalidCsrException)
        {
            var status = ex is ApiStatusException ? 401 : 400;
            metrics.CertificateRequestsRefused.Add(1, new KeyValuePair<string, object?>("status", status));
            if (status == 401)
            {
                CaLog.Refused(logger, ex.Message);
                context.Response.Headers.WWWAuthenticate = "Bearer";
            }

            throw;
        }
    }

    private static string CheckThumbprint(string thumbprint) =>
        thumbprint.Length == 40 && thumbprint.All(char.IsAsciiHexDigit)
            ? thumbprint.ToUpperInvariant()
            : throw new ApiValidationException("thumbprint", $"'{InputValidation.Clip(thumbprint)}' is not a certificate thumbprint (40 hex digits)");
}

public sealed record JoinTokenRequest(string? Namespace, string? ServiceAccount, long? TtlSeconds, bool SingleUse);

/// <summary>The token is shown here once; the silo stores only its hash. <see cref="TrustBundle"/> lets the new sidecar verify the silo.</summary>
public sealed record JoinTokenResponse(string Token, string Namespace, string ServiceAccount, DateTimeOffset ExpiresAt, bool SingleUse, string? TrustBundle);

public sealed record CertificateSigningRequest(string? Csr, long? TtlSeconds, string? CurrentCertificate);

/// <summary>A signed SVID: leaf (plus intermediates) and the bundle of roots to trust. Never a private key.</summary>
public sealed record CertificateResponse(string CertificateChain, string SerialNumber, string SpiffeId, DateTimeOffset NotAfter, string TrustBundle);

public sealed record AddRootRequest(string? Certificate, string? PrivateKey, bool Activate);
