using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Jwt;

/// <summary>Verifies a parsed token's signature and claims against one rule and its keys.</summary>
internal static class JwtValidator
{
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(60);

    /// <summary>Rejects algorithms before any key lookup, so "none" and HMAC (key confusion) never reach a key.</summary>
    public static string? CheckAlgorithm(string alg) => alg switch
    {
        "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" or "ES256" or "ES384" or "ES512" => null,
        _ when alg.Equals("none", StringComparison.OrdinalIgnoreCase) => "unsigned tokens (alg 'none') are not accepted",
        _ when alg.StartsWith("HS", StringComparison.Ordinal) => $"symmetric algorithm '{alg}' is not accepted",
        _ => $"unsupported algorithm '{alg}'",
    };

    /// <summary>Keys of the set that could have signed the token; a kid in the token must match.</summary>
    public static List<JsonWebKey> Candidates(JwtToken token, JsonWebKeySet keys) =>
        keys.Keys.Where(k => (token.KeyId is null || k.KeyId == token.KeyId) && k.Accepts(token.Algorithm)).ToList();

    public static JwtResult Validate(JwtToken token, JwtRule rule, IReadOnlyList<JsonWebKey> candidates, DateTimeOffset now)
    {
        if (!candidates.Any(k => Verify(token, k)))
        {
            return JwtResult.Invalid("token signature does not verify");
        }

        var seconds = now.ToUnixTimeSeconds();
        var skew = (long)ClockSkew.TotalSeconds;
        if (NumericClaim(token, "exp", out var exp) is { } expError)
        {
            return JwtResult.Invalid(expError);
        }

        if (exp is { } e && seconds > e + skew)
        {
            return JwtResult.Invalid("token is expired");
        }

        if (NumericClaim(token, "nbf", out var nbf) is { } nbfError)
        {
            return JwtResult.Invalid(nbfError);
        }

        if (nbf is { } n && seconds < n - skew)
        {
            return JwtResult.Invalid("token is not yet valid (nbf)");
        }

        if (rule.Audiences is { Count: > 0 } audiences && !Audiences(token).Any(a => audiences.Contains(a, StringComparer.Ordinal)))
        {
            return JwtResult.Invalid("token audience is not allowed");
        }

        var sub = token.StringClaim("sub");
        return new JwtResult
        {
            Status = JwtStatus.Valid,
            Claims = token.Payload,
            RequestPrincipal = $"{token.Issuer}/{sub}",
            Rule = rule,
            PayloadSegment = token.PayloadSegment,
        };
    }

    private static bool Verify(JwtToken token, JsonWebKey key)
    {
        var data = Encoding.ASCII.GetBytes(token.SigningInput);
        var hash = token.Algorithm[2..] switch
        {
            "256" => HashAlgorithmName.SHA256,
            "384" => HashAlgorithmName.SHA384,
            _ => HashAlgorithmName.SHA512,
        };
        try
        {
            return key.Key switch
            {
                RSA rsa => rsa.VerifyData(data, token.Signature, hash, token.Algorithm[0] == 'P' ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1),
                ECDsa ec => token.Signature.Length == 2 * ((ec.KeySize + 7) / 8)
                    && ec.VerifyData(data, token.Signature, hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation),
                _ => false,
            };
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    private static string? NumericClaim(JwtToken token, string name, out long? value)
    {
        value = null;
        if (!token.Payload.TryGetProperty(name, out var element))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDouble(out var number) || double.IsNaN(number))
        {
            return $"token claim '{name}' is not a number";
        }

        value = (long)Math.Clamp(Math.Floor(number), long.MinValue / 2, long.MaxValue / 2);
        return null;
    }

    private static IEnumerable<string> Audiences(JwtToken token)
    {
        if (!token.Payload.TryGetProperty("aud", out var aud))
        {
            return [];
        }

        return aud.ValueKind switch
        {
            JsonValueKind.String => [aud.GetString()!],
            JsonValueKind.Array => aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString()!).ToList(),
            _ => [],
        };
    }
}
