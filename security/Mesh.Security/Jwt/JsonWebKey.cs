using System.Security.Cryptography;

namespace Mesh.Security.Jwt;

/// <summary>A public signing key from a JWKS. Only RSA and EC keys are supported; symmetric keys are never loaded.</summary>
public sealed class JsonWebKey
{
    internal JsonWebKey(string? kid, string kty, string? alg, string? use, string? curve, AsymmetricAlgorithm key)
    {
        KeyId = kid;
        KeyType = kty;
        Algorithm = alg;
        Use = use;
        Curve = curve;
        Key = key;
    }

    public string? KeyId { get; }

    /// <summary><c>RSA</c> or <c>EC</c>.</summary>
    public string KeyType { get; }

    public string? Algorithm { get; }

    public string? Use { get; }

    /// <summary><c>P-256</c>, <c>P-384</c> or <c>P-521</c> for EC keys.</summary>
    public string? Curve { get; }

    internal AsymmetricAlgorithm Key { get; }

    /// <summary>True when this key may verify a token signed with <paramref name="alg"/> (kty, crv, alg and use all agree).</summary>
    internal bool Accepts(string alg)
    {
        if (Use is not null && Use != "sig")
        {
            return false;
        }

        if (Algorithm is not null && Algorithm != alg)
        {
            return false;
        }

        return alg switch
        {
            "RS256" or "RS384" or "RS512" or "PS256" or "PS384" or "PS512" => KeyType == "RSA",
            "ES256" => KeyType == "EC" && Curve == "P-256",
            "ES384" => KeyType == "EC" && Curve == "P-384",
            "ES512" => KeyType == "EC" && Curve == "P-521",
            _ => false,
        };
    }

    public override string ToString() => $"JsonWebKey({KeyType}, kid={KeyId ?? "-"}, alg={Algorithm ?? "-"})";
}
