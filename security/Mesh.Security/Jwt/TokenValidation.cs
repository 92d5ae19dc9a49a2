using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Security.Jwt;

/// <summary>
/// Reads and validates compact JWS tokens with <see cref="JsonWebTokenHandler"/>: signature against the rule's
/// candidate keys, exp/nbf with <see cref="ClockSkew"/> on the injected clock, issuer and (when the rule lists any)
/// audiences. Failures become <see cref="JwtResult"/> reasons that never quote the token or a key.
/// </summary>
internal static class TokenValidation
{
    public const int MaxLength = 16 * 1024;

    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>Asymmetric algorithms only: "none" and HMAC (key confusion with a public key) are never accepted.</summary>
    public static readonly IReadOnlyList<string> Algorithms =
        ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"];

    private static readonly JsonWebTokenHandler Handler = new() { MaximumTokenSizeInBytes = MaxLength };

    /// <summary>Splits and decodes the token without verifying it; null with <paramref name="error"/> when unreadable or not acceptable by shape.</summary>
    public static JsonWebToken? Read(string raw, out string error)
    {
        error = "";
        if (raw.Length > MaxLength)
        {
            error = $"token is larger than {MaxLength} bytes";
            return null;
        }

        JsonWebToken token;
        try
        {
            token = Handler.ReadJsonWebToken(raw);
        }
        catch (Exception ex) when (ex is ArgumentException or SecurityTokenException or JsonException or FormatException or InvalidOperationException)
        {
            // Also where a registered claim has the wrong JSON type (a string exp, a numeric aud element), as Envoy refuses.
            error = raw.Count(c => c == '.') == 4
                ? "encrypted tokens (JWE) are not supported"
                : "token is malformed: segments are not base64url-encoded JSON objects, or a registered claim has the wrong type";
            return null;
        }

        if (token.IsEncrypted)
        {
            error = "encrypted tokens (JWE) are not supported";
            return null;
        }

        if (string.IsNullOrEmpty(token.Alg))
        {
            error = "token header has no 'alg'";
            return null;
        }

        if (token.TryGetHeaderValue<object>("crit", out _))
        {
            error = "token header has unsupported critical extensions ('crit')";
            return null;
        }

        return token;
    }

    /// <summary>Refuses algorithms before any key lookup, so "none" and HMAC never reach a key.</summary>
    public static string? CheckAlgorithm(string alg) => alg switch
    {
        _ when Algorithms.Contains(alg) => null,
        _ when alg.Equals("none", StringComparison.OrdinalIgnoreCase) => "unsigned tokens (alg 'none') are not accepted",
        _ when alg.StartsWith("HS", StringComparison.Ordinal) => $"symmetric algorithm '{alg}' is not accepted",
        _ => $"unsupported algorithm '{alg}'",
    };

    public static async ValueTask<JwtResult> ValidateAsync(JsonWebToken token, CompiledJwtRule rule, IList<SecurityKey> candidates, TimeProvider time)
    {
        var audiences = rule.Rule.Audiences;
        var parameters = new TokenValidationParameters
        {
            ValidAlgorithms = Algorithms,
            IssuerSigningKeys = candidates,
            TryAllIssuerSigningKeys = true,
            RequireSignedTokens = true,
            ValidateIssuer = true,
            ValidIssuer = rule.Rule.Issuer,
            // Istio: a rule without audiences does not check the audience.
            ValidateAudience = audiences is { Count: > 0 },
            ValidAudiences = audiences,
            IgnoreTrailingSlashWhenValidatingAudience = false,
            ValidateLifetime = true,
            RequireExpirationTime = false,
            ClockSkew = ClockSkew,
            // exp and nbf are checked on the injected clock (the library's own check reads the system clock).
            LifetimeValidator = (notBefore, expires, _, _) => CheckLifetime(notBefore, expires, time.GetUtcNow()),
            ValidateIssuerSigningKey = false,
            ValidateTokenReplay = false,
            LogValidationExceptions = false,
        };

        var result = await Handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid)
        {
            return JwtResult.Invalid(Reason(result.Exception));
        }

        if (Payload(token.EncodedPayload) is not { } payload)
        {
            return JwtResult.Invalid("token payload is not a readable JSON object");
        }

        var sub = payload.TryGetProperty("sub", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
        return new JwtResult
        {
            Status = JwtStatus.Valid,
            Claims = payload,
            RequestPrincipal = $"{rule.Rule.Issuer}/{sub}",
            Rule = rule.Rule,
            PayloadSegment = token.EncodedPayload,
        };
    }

    /// <summary>Whole seconds, as in the claims: expired once now is past exp + skew, not yet valid while now is before nbf - skew.</summary>
    private static bool CheckLifetime(DateTime? notBefore, DateTime? expires, DateTimeOffset now)
    {
        var seconds = now.ToUnixTimeSeconds();
        var skew = (long)ClockSkew.TotalSeconds;
        if (expires is { } exp && seconds > UnixSeconds(exp) + skew)
        {
            throw new SecurityTokenExpiredException("token is expired") { Expires = exp };
        }

        if (notBefore is { } nbf && seconds < UnixSeconds(nbf) - skew)
        {
            throw new SecurityTokenNotYetValidException("token is not yet valid") { NotBefore = nbf };
        }

        return true;
    }

    private static long UnixSeconds(DateTime time) => new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)).ToUnixTimeSeconds();

    // Library messages are not returned: they may carry token or key details. The type says what failed.
    private static string Reason(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "token is expired",
        SecurityTokenNotYetValidException => "token is not yet valid (nbf)",
        SecurityTokenInvalidAudienceException => "token audience is not allowed",
        SecurityTokenInvalidIssuerException => "token issuer is not configured for this workload",
        SecurityTokenInvalidAlgorithmException => "token algorithm is not accepted",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException => "token signature does not verify",
        SecurityTokenMalformedException or ArgumentException => "token claims are malformed",
        _ => "token is not valid",
    };

    /// <summary>
    /// The payload as a JSON object for <c>request.auth.claims[...]</c>. Every string and name is read once here, so
    /// invalid UTF-8 or an escaped lone surrogate refuses the token now instead of throwing from a later claim lookup.
    /// </summary>
    private static JsonElement? Payload(string segment)
    {
        if (SigningKeys.Bytes(segment) is not { } bytes)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            Walk(document.RootElement);
            return document.RootElement.Clone();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }

        static void Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String:
                    _ = e.GetString();
                    break;
                case JsonValueKind.Object:
                    foreach (var property in e.EnumerateObject())
                    {
                        _ = property.Name;
                        Walk(property.Value);
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                    {
                        Walk(item);
                    }

                    break;
            }
        }
    }
}
