using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text.Json;

namespace Mesh.Security.Jwt;

/// <summary>A parsed JWKS document (<c>{"keys":[...]}</c>). Unusable entries are skipped, not fatal.</summary>
public sealed class JsonWebKeySet
{
    public static readonly JsonWebKeySet Empty = new([]);

    private JsonWebKeySet(IReadOnlyList<JsonWebKey> keys) => Keys = keys;

    public IReadOnlyList<JsonWebKey> Keys { get; }

    /// <summary>Parses a JWKS; throws <see cref="FormatException"/> with the reason when it is not a JWKS with at least one usable key.</summary>
    public static JsonWebKeySet Parse(string json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16 });
        }
        catch (JsonException ex)
        {
            throw new FormatException($"JWKS is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("JWKS must be an object with a 'keys' array.");
            }

            var parsed = keys.EnumerateArray().Select(TryParseKey).OfType<JsonWebKey>().ToList();
            return parsed.Count > 0 ? new JsonWebKeySet(parsed) : throw new FormatException("JWKS contains no usable RSA or EC signing key.");
        }
    }

    public override string ToString() => $"JsonWebKeySet({Keys.Count} keys)";

    private static JsonWebKey? TryParseKey(JsonElement jwk)
    {
        if (jwk.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var kty = String(jwk, "kty");
        var kid = String(jwk, "kid");
        var alg = String(jwk, "alg");
        var use = String(jwk, "use");
        try
        {
            switch (kty)
            {
                case "RSA":
                    var n = Bytes(jwk, "n");
                    var e = Bytes(jwk, "e");
                    if (n is null || e is null || n.Length < 256)
                    {
                        return null; // missing parts or a modulus under 2048 bits
                    }

                    return new JsonWebKey(kid, kty, alg, use, null, RSA.Create(new RSAParameters { Modulus = n, Exponent = e }));
                case "EC":
                    var crv = String(jwk, "crv");
                    var (curve, size) = crv switch
                    {
                        "P-256" => (ECCurve.NamedCurves.nistP256, 32),
                        "P-384" => (ECCurve.NamedCurves.nistP384, 48),
                        "P-521" => (ECCurve.NamedCurves.nistP521, 66),
                        _ => (default(ECCurve), 0),
                    };
                    var x = Bytes(jwk, "x");
                    var y = Bytes(jwk, "y");
                    if (size == 0 || x?.Length != size || y?.Length != size)
                    {
                        return null;
                    }

                    return new JsonWebKey(kid, kty, alg, use, crv, ECDsa.Create(new ECParameters { Curve = curve, Q = new ECPoint { X = x, Y = y } }));
                default:
                    return null; // "oct" and others: symmetric keys must never verify tokens
            }
        }
        catch (CryptographicException)
        {
            return null; // e.g. an EC point not on the curve
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement element, string name)
    {
        var text = String(element, name);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(text.Length)];
        return Base64Url.TryDecodeFromChars(text, buffer, out var written) ? buffer[..written] : null;
    }
}
