using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Security.Jwt;

/// <summary>
/// Reads JWKS documents with <see cref="JsonWebKeySet"/> and keeps only public RSA (2048 bits or more) and EC
/// (P-256/384/521) signing keys. Each kept key is rebuilt from its public members alone (kty, kid, alg, use, n/e or
/// crv/x/y), so neither a symmetric <c>oct</c> secret nor private parameters nor an <c>x5c</c> chain can ever verify.
/// </summary>
internal static class SigningKeys
{
    /// <summary>Parses a JWKS; throws <see cref="FormatException"/> with the reason when it has no usable key.</summary>
    public static JsonWebKeySet Parse(string json)
    {
        JsonWebKeySet document;
        try
        {
            document = JsonWebKeySet.Create(json);
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            // The library's message may quote the document; keep only the fact.
            throw new FormatException("JWKS is not a valid JSON Web Key Set document.");
        }

        var usable = new JsonWebKeySet { SkipUnresolvedJsonWebKeys = true };
        foreach (var key in document.Keys)
        {
            if (Usable(key) is { } kept)
            {
                usable.Keys.Add(kept);
            }
        }

        return usable.Keys.Count > 0 ? usable : throw new FormatException("JWKS contains no usable RSA or EC signing key.");
    }

    /// <summary>Keys of the set that could have signed a token with this kid and alg (kid, kty, crv, alg and use all agree).</summary>
    public static List<SecurityKey> Candidates(JsonWebKeySet keys, string? kid, string alg)
    {
        var candidates = new List<SecurityKey>();
        foreach (var key in keys.Keys)
        {
            if ((kid is null || key.Kid == kid) && Accepts(key, alg))
            {
                candidates.Add(key);
            }
        }

        return candidates;
    }

    private static bool Accepts(JsonWebKey key, string alg)
    {
        if (key.Alg is not null && key.Alg != alg)
        {
            return false;
        }

        return alg switch
        {
            "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" => key.Kty == "RSA",
            "ES256" => key.Kty == "EC" && key.Crv == "P-256",
            "ES384" => key.Kty == "EC" && key.Crv == "P-384",
            "ES512" => key.Kty == "EC" && key.Crv == "P-521",
            _ => false,
        };
    }

    private static JsonWebKey? Usable(JsonWebKey key)
    {
        if (key.Use is { Length: > 0 } use && use != "sig")
        {
            return null;
        }

        switch (key.Kty)
        {
            case "RSA":
                var n = Bytes(key.N);
                var e = Bytes(key.E);
                if (n is null || e is null || n.Length < 256)
                {
                    return null; // missing parts or a modulus under 2048 bits
                }

                try
                {
                    using var check = RSA.Create(new RSAParameters { Modulus = n, Exponent = e });
                }
                catch (CryptographicException)
                {
                    return null;
                }

                return new JsonWebKey { Kty = "RSA", Kid = key.Kid, Alg = Nullable(key.Alg), Use = Nullable(key.Use), N = key.N, E = key.E };
            case "EC":
                var (curve, size) = key.Crv switch
                {
                    "P-256" => (ECCurve.NamedCurves.nistP256, 32),
                    "P-384" => (ECCurve.NamedCurves.nistP384, 48),
                    "P-521" => (ECCurve.NamedCurves.nistP521, 66),
                    _ => (default(ECCurve), 0),
                };
                var x = Bytes(key.X);
                var y = Bytes(key.Y);
                if (size == 0 || x?.Length != size || y?.Length != size)
                {
                    return null;
                }

                try
                {
                    // Refuses a point that is not on the curve here, once, rather than at every verification.
                    using var check = ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } });
                }
                catch (CryptographicException)
                {
                    return null;
                }

                return new JsonWebKey { Kty = "EC", Kid = key.Kid, Alg = Nullable(key.Alg), Use = Nullable(key.Use), Crv = key.Crv, X = key.X, Y = key.Y };
            default:
                return null; // "oct" and others: symmetric keys must never verify tokens
        }
    }

    private static string? Nullable(string? value) => string.IsNullOrEmpty(value) ? null : value;

    /// <summary>Base64url text to bytes; null (never an exception) for text that is not base64url.</summary>
    internal static byte[]? Bytes(string? text)
    {
        if (string.IsNullOrEmpty(text) || !Base64Url.IsValid(text))
        {
            return null;
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        return Base64Url.TryDecodeFromChars(text, buffer, out var written) ? buffer[..written] : null;
    }
}
