using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Mesh.Sidecar.Connections;

/// <summary>What the first bytes of a connection said about its TLS ClientHello.</summary>
internal enum ClientHelloStatus
{
    /// <summary>More bytes are needed to read the whole ClientHello.</summary>
    Incomplete,

    /// <summary>A complete ClientHello; the server name is null when it sent no SNI.</summary>
    Complete,

    /// <summary>Not a TLS handshake, or malformed.</summary>
    NotTls,
}

/// <summary>
/// Reads the server name (SNI) from a TLS ClientHello without consuming or decrypting anything, so the connection can
/// be routed and then passed through unchanged. The hello may span several records (RFC 8446 §5.1 lets a handshake
/// message be fragmented); at most <see cref="MaxHelloBytes"/> are examined.
/// </summary>
internal static class ClientHelloReader
{
    public const int MaxHelloBytes = 64 * 1024;

    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloType = 0x01;
    private const ushort ServerNameExtension = 0x0000;

    public static ClientHelloStatus Read(in ReadOnlySequence<byte> buffer, out string? serverName)
    {
        serverName = null;
        var available = (int)Math.Min(buffer.Length, MaxHelloBytes + 5 * 8);
        var bytes = ArrayPool<byte>.Shared.Rent(Math.Max(available, 1));
        try
        {
            buffer.Slice(0, available).CopyTo(bytes);
            return Read(bytes.AsSpan(0, available), buffer.Length > available, out serverName);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }

    private static ClientHelloStatus Read(ReadOnlySpan<byte> data, bool truncated, out string? serverName)
    {
        serverName = null;
        if (data.Length == 0)
        {
            return ClientHelloStatus.Incomplete;
        }

        if (data[0] != HandshakeRecord)
        {
            return ClientHelloStatus.NotTls;
        }

        // Join the payloads of the leading handshake records until the ClientHello is whole.
        var message = new byte[Math.Min(data.Length, MaxHelloBytes)];
        var length = 0;
        var offset = 0;
        var needed = -1;
        while (needed < 0 || length < needed)
        {
            if (data.Length - offset < 5)
            {
                return truncated ? ClientHelloStatus.NotTls : ClientHelloStatus.Incomplete;
            }

            if (data[offset] != HandshakeRecord || data[offset + 1] != 0x03)
            {
                return ClientHelloStatus.NotTls;
            }

            var recordLength = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 3)..]);
            if (recordLength == 0 || data.Length - offset - 5 < recordLength)
            {
                return truncated ? ClientHelloStatus.NotTls : ClientHelloStatus.Incomplete;
            }

            if (length + recordLength > message.Length)
            {
                return ClientHelloStatus.NotTls;
            }

            data.Slice(offset + 5, recordLength).CopyTo(message.AsSpan(length));
            length += recordLength;
            offset += 5 + recordLength;
            if (needed < 0 && length >= 4)
            {
                if (message[0] != ClientHelloType)
                {
                    return ClientHelloStatus.NotTls;
                }

                needed = 4 + ((message[1] << 16) | (message[2] << 8) | message[3]);
                if (needed > MaxHelloBytes)
                {
                    return ClientHelloStatus.NotTls;
                }
            }
        }

        return TryReadServerName(message.AsSpan(4, needed - 4), out serverName) ? ClientHelloStatus.Complete : ClientHelloStatus.NotTls;
    }

    /// <summary>Walks the ClientHello body (RFC 8446 §4.1.2) to the server_name extension (RFC 6066 §3).</summary>
    private static bool TryReadServerName(ReadOnlySpan<byte> hello, out string? serverName)
    {
        serverName = null;
        var reader = new SpanReader(hello);
        if (!reader.Skip(2 + 32) || !reader.SkipVector(1) || !reader.SkipVector(2) || !reader.SkipVector(1))
        {
            return false;
        }

        if (reader.Remaining == 0)
        {
            return true; // no extensions at all
        }

        if (!reader.ReadUInt16(out var extensionsLength) || !reader.Slice(extensionsLength, out var extensions))
        {
            return false;
        }

        while (extensions.Remaining > 0)
        {
            if (!extensions.ReadUInt16(out var type) || !extensions.ReadUInt16(out var size) || !extensions.Slice(size, out var body))
            {
                return false;
            }

            if (type != ServerNameExtension)
            {
                continue;
            }

            if (!body.ReadUInt16(out var listLength) || !body.Slice(listLength, out var list))
            {
                return false;
            }

            while (list.Remaining > 0)
            {
                if (!list.ReadByte(out var nameType) || !list.ReadUInt16(out var nameLength) || !list.Slice(nameLength, out var name))
                {
                    return false;
                }

                if (nameType == 0)
                {
                    serverName = Encoding.ASCII.GetString(name.Rest).TrimEnd('.').ToLowerInvariant();
                    return serverName.Length > 0;
                }
            }

            return true;
        }

        return true;
    }

    private ref struct SpanReader(ReadOnlySpan<byte> span)
    {
        private ReadOnlySpan<byte> _span = span;

        public readonly int Remaining => _span.Length;

        public readonly ReadOnlySpan<byte> Rest => _span;

        public bool Skip(int count)
        {
            if (_span.Length < count)
            {
                return false;
            }

            _span = _span[count..];
            return true;
        }

        public bool ReadByte(out byte value)
        {
            value = _span.Length > 0 ? _span[0] : (byte)0;
            return Skip(1);
        }

        public bool ReadUInt16(out ushort value)
        {
            value = _span.Length >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(_span) : (ushort)0;
            return Skip(2);
        }

        public bool Slice(int count, out SpanReader slice)
        {
            slice = new SpanReader(_span.Length >= count ? _span[..count] : default);
            return Skip(count);
        }

        /// <summary>Skips a vector whose length prefix has <paramref name="prefixBytes"/> bytes.</summary>
        public bool SkipVector(int prefixBytes)
        {
            int length;
            if (prefixBytes == 1)
            {
                if (!ReadByte(out var b))
                {
                    return false;
                }

                length = b;
            }
            else
            {
                if (!ReadUInt16(out var u))
                {
                    return false;
                }

                length = u;
            }

            return Skip(length);
        }
    }
}
