using System.Text;

namespace Mesh.Tests.Security.Jwt;

/// <summary>
/// Mints JWTs with openssl, independently of .NET's crypto: openssl generates the keys and signs; the JWK is derived
/// from openssl's view of the public key; base64url and the ECDSA DER-to-raw conversion are written out here.
/// </summary>
public sealed class OpenSslJwtIssuer : IDisposable
{
    private readonly OpenSsl _openssl = new();

    public OpenSslJwtIssuer()
    {
        _openssl.Run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa.pem");
        _openssl.Run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem");
        _openssl.Run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa2.pem");
        RsaJwk = RsaJwkFor("rsa.pem", "rsa-1");
        Rsa2Jwk = RsaJwkFor("rsa2.pem", "rsa-2");
        RsaPublicPem = _openssl.RunText("pkey", "-in", "rsa.pem", "-pubout");

        var spki = _openssl.Run("pkey", "-in", "ec.pem", "-pubout", "-outform", "DER");
        var point = spki[^65..]; // uncompressed point 0x04 || X || Y at the end of the SubjectPublicKeyInfo
        Assert.Equal(0x04, point[0]);
        EcJwk = $$"""{"kty":"EC","crv":"P-256","kid":"ec-1","use":"sig","x":"{{B64(point[1..33])}}","y":"{{B64(point[33..])}}"}""";
    }

    public string RsaJwk { get; }

    public string Rsa2Jwk { get; }

    public string EcJwk { get; }

    public string RsaPublicPem { get; }

    public static string Jwks(params string[] keys) => $$"""{"keys":[{{string.Join(",", keys)}}]}""";

    public static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string B64(string text) => B64(Encoding.UTF8.GetBytes(text));

    /// <summary>Signs header.payload with the named key file. alg picks the openssl options.</summary>
    public string Sign(string alg, string kid, string payloadJson, string keyFile = "rsa.pem")
    {
        var input = B64($$"""{"alg":"{{alg}}","typ":"JWT","kid":"{{kid}}"}""") + "." + B64(payloadJson);
        var inputFile = Guid.NewGuid().ToString("N") + ".txt";
        File.WriteAllText(_openssl.PathOf(inputFile), input);
        var signature = alg switch
        {
            "RS256" => _openssl.Run("dgst", "-sha256", "-sign", keyFile, inputFile),
            "PS256" => _openssl.Run("dgst", "-sha256", "-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32", "-sign", keyFile, inputFile),
            "ES256" => DerToRaw(_openssl.Run("dgst", "-sha256", "-sign", "ec.pem", inputFile), 32),
            "HS256" => _openssl.Run("dgst", "-sha256", "-binary", "-mac", "HMAC", "-macopt", "hexkey:" + Convert.ToHexString(Encoding.ASCII.GetBytes(RsaPublicPem)), inputFile),
            _ => throw new ArgumentException(alg),
        };
        return input + "." + B64(signature);
    }

    public static string Unsigned(string payloadJson) => B64("""{"alg":"none","typ":"JWT"}""") + "." + B64(payloadJson) + ".";

    /// <summary>DER SEQUENCE { INTEGER r, INTEGER s } to fixed-width r||s (JWS ES256 form).</summary>
    private static byte[] DerToRaw(byte[] der, int size)
    {
        var offset = 2 + (der[1] > 0x80 ? der[1] - 0x80 : 0);
        var raw = new byte[2 * size];
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(0x02, der[offset]);
            int length = der[offset + 1];
            var value = der.AsSpan(offset + 2, length).TrimStart((byte)0);
            value.CopyTo(raw.AsSpan((i * size) + size - value.Length));
            offset += 2 + length;
        }

        return raw;
    }

    private string RsaJwkFor(string keyFile, string kid)
    {
        var modulus = _openssl.RunText("rsa", "-in", keyFile, "-noout", "-modulus").Trim();
        Assert.StartsWith("Modulus=", modulus);
        var text = _openssl.RunText("rsa", "-in", keyFile, "-noout", "-text");
        var exponentLine = text.Split('\n').Single(l => l.StartsWith("publicExponent:", StringComparison.Ordinal));
        var exponent = ulong.Parse(exponentLine.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture);
        var exponentBytes = BitConverter.GetBytes(exponent).Reverse().SkipWhile(b => b == 0).ToArray();
        return $$"""{"kty":"RSA","kid":"{{kid}}","use":"sig","n":"{{B64(Convert.FromHexString(modulus["Modulus=".Length..]))}}","e":"{{B64(exponentBytes)}}"}""";
    }

    public void Dispose() => _openssl.Dispose();
}
