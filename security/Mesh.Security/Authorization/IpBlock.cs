using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Security.Authorization;

/// <summary>An IPv4 or IPv6 address or CIDR block, as used by <c>ipBlocks</c> and <c>source.ip</c>.</summary>
internal sealed class IpBlock
{
    private readonly byte[] _network;
    private readonly int _prefixLength;

    private IpBlock(byte[] network, int prefixLength)
    {
        _network = network;
        _prefixLength = prefixLength;
    }

    public static bool TryParse(string text, [NotNullWhen(true)] out IpBlock? block)
    {
        block = null;
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        // IPAddress.TryParse accepts inet_aton shorthands such as "10.0.0" (= 10.0.0.0); policies must spell all four octets.
        if (!addressText.Contains(':') && addressText.Count(c => c == '.') != 3)
        {
            return false;
        }

        if (!IPAddress.TryParse(addressText, out var address))
        {
            return false;
        }

        var bytes = address.GetAddressBytes();
        var max = bytes.Length * 8;
        var prefix = max;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, null, out prefix) || prefix > max))
        {
            return false;
        }

        block = new IpBlock(bytes, prefix);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6 && _network.Length == 4)
        {
            address = address.MapToIPv4();
        }
        else if (address.AddressFamily == AddressFamily.InterNetwork && _network.Length == 16)
        {
            address = address.MapToIPv6();
        }

        var bytes = address.GetAddressBytes();
        if (bytes.Length != _network.Length)
        {
            return false;
        }

        var full = _prefixLength / 8;
        if (!bytes.AsSpan(0, full).SequenceEqual(_network.AsSpan(0, full)))
        {
            return false;
        }

        var rest = _prefixLength % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (bytes[full] & mask) == (_network[full] & mask);
    }
}
