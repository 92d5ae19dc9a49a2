using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mesh.Security.Identity;

/// <summary>
/// Proof that a caller holds its SVID's private key when it cannot show it by a TLS handshake (the silo's API over
/// plain HTTP): the caller signs what it asks for and when, and the silo checks the signature with the SVID's public
/// key. The time bounds replay to <see cref="MaxClockSkew"/>.
/// </summary>
public static class PossessionProof
{
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>The purpose of a proxy's request for a namespace credential; its subject is <c>namespace/name</c>.</summary>
    public const string CredentialFetch = "credential-fetch";

    public static string Sign(ECDsa key, string purpose, string subject, DateTimeOffset at) =>
        Convert.ToBase64String(key.SignData(Message(purpose, subject, at.ToUnixTimeSeconds()), HashAlgorithmName.SHA256));

    /// <summary>Null when valid, else why not.</summary>
    public static string? Check(X509Certificate2 certificate, string purpose, string subject, long unixSeconds, string? signature, DateTimeOffset now)
    {
        if (Math.Abs(now.ToUnixTimeSeconds() - unixSeconds) > MaxClockSkew.TotalSeconds)
        {
            return $"the timestamp is more than {MaxClockSkew.TotalMinutes} minutes from the silo's clock";
        }

        var bytes = new byte[((signature?.Length ?? 0) * 3 / 4) + 3];
        if (signature is null || !Convert.TryFromBase64String(signature, bytes, out var written))
        {
            return "the signature is not base64";
        }

        using var publicKey = certificate.GetECDsaPublicKey();
        return publicKey is null ? "the certificate's key is not ECDSA"
            : publicKey.VerifyData(Message(purpose, subject, unixSeconds), bytes.AsSpan(0, written), HashAlgorithmName.SHA256) ? null
            : "the signature does not verify with the certificate's key";
    }

    private static byte[] Message(string purpose, string subject, long unixSeconds) => Encoding.UTF8.GetBytes($"mesh-possession-v1\n{purpose}\n{subject}\n{unixSeconds}");
}
