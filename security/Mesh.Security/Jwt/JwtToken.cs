using System.Buffers.Text;
using System.Text.Json;

namespace Mesh.Security.Jwt;

/// <summary>A compact JWS split and decoded but not yet verified. Parsing never throws.</summary>
internal sealed class JwtToken
{
    public const int MaxLength = 16 * 1024;

    private JwtToken(string alg, string? kid, JsonElement payload, string signingInput, byte[] signature, string payloadSegment)
    {
        Algorithm = alg;
        KeyId = kid;
        Payload = payload;
        SigningInput = signingInput;
        Signature = signature;
        PayloadSegment = payloadSegment;
    }

    public string Algorithm { get; }

    public string? KeyId { get; }

    public JsonElement Payload { get; }

    public string SigningInput { get; }

    public byte[] Signature { get; }

    public string PayloadSegment { get; }

    public string? Issuer => StringClaim("iss");

    public string? StringClaim(string name) =>
        Payload.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public static JwtToken? TryParse(string token, out string error)
    {
        error = "";
        if (token.Length > MaxLength)
        {
            error = $"token is larger than {MaxLength} bytes";
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            error = parts.Length == 5 ? "encrypted tokens (JWE) are not supported" : "token must have three dot-separated segments";
            return null;
        }

        var header = Json(parts[0]);
        var payload = Json(parts[1]);
        // An empty signature is parsed so that alg "none" is refused by name rather than as malformed.
        var signature = parts[2].Length == 0 ? [] : Decode(parts[2]);
        if (header is null || payload is null || signature is null)
        {
            error = "token segments are not valid base64url-encoded JSON objects";
            return null;
        }

        if (!header.Value.TryGetProperty("alg", out var alg) || alg.ValueKind != JsonValueKind.String)
        {
            error = "token header has no 'alg'";
            return null;
        }

        if (header.Value.TryGetProperty("crit", out _))
        {
            error = "token header has unsupported critical extensions ('crit')";
            return null;
        }

        var kid = header.Value.TryGetProperty("kid", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;
        return new JwtToken(alg.GetString()!, kid, payload.Value, parts[0] + "." + parts[1], signature, parts[1]);
    }

    private static JsonElement? Json(string segment)
    {
        var bytes = Decode(segment);
        if (bytes is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
            return document.RootElement.ValueKind == JsonValueKind.Object && Readable(document.RootElement) ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    // The parser keeps strings raw until they are read, so invalid UTF-8 or an escaped lone surrogate ("\ud800")
    // would throw InvalidOperationException later, from whatever reads the claim (found by fuzzing). Reading every
    // string and name once here keeps "parsing never throws" true for every later reader.
    private static bool Readable(JsonElement element)
    {
        try
        {
            return Walk(element);
        }
        catch (InvalidOperationException)
        {
            return false;
        }

        static bool Walk(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.String:
                    _ = e.GetString();
                    return true;
                case JsonValueKind.Object:
                    foreach (var property in e.EnumerateObject())
                    {
                        _ = property.Name;
                        Walk(property.Value);
                    }

                    return true;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                    {
                        Walk(item);
                    }

                    return true;
                default:
                    return true;
            }
        }
    }

    private static byte[]? Decode(string segment)
    {
        // Base64Url accepts padding and whitespace; compact JWS allows neither.
        if (segment.Length == 0 || segment.AsSpan().IndexOfAnyExcept(Base64UrlAlphabet) >= 0)
        {
            return null;
        }

        // TryDecodeFromChars throws FormatException (rather than returning false) for a length that no base64 text
        // has, such as one character (found by fuzzing); IsValid answers that without throwing.
        if (!Base64Url.IsValid(segment))
        {
            return null;
        }

        var buffer = new byte[Base64Url.GetMaxDecodedLength(segment.Length)];
        return Base64Url.TryDecodeFromChars(segment, buffer, out var written) ? buffer[..written] : null;
    }

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
}
