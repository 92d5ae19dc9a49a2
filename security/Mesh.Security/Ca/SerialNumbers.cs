using System.Security.Cryptography;

namespace Mesh.Security.Ca;

/// <summary>
/// Random certificate serial numbers. 20 bytes is RFC 5280's maximum; with the top bit cleared (positive) and the
/// next bit set (so DER needs no padding byte) that leaves 158 random bits, unique across silos without coordination.
/// </summary>
internal static class SerialNumbers
{
    public static byte[] Next()
    {
        var serial = RandomNumberGenerator.GetBytes(20);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x40);
        return serial;
    }
}
