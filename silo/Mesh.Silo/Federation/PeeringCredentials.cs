using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Mesh.Silo.Federation;

/// <summary>Random secrets of peering (token secrets, stream credentials) and the hashes kept in their place.</summary>
internal static class PeeringCredentials
{
    public static string NewSecret() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static string NewId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public static string Hash(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Binds a sealed credential to its peering, so it cannot be moved to another.</summary>
    public static byte[] AssociatedData(string peering) => Encoding.UTF8.GetBytes("mesh.peering/" + peering);
}
