using System.Text;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// A request body produced on the fly (sent chunked, never held whole): a head, <c>fillerBytes</c> of letters, a tail.
/// </summary>
internal sealed class GeneratedBody(string head, long fillerBytes, string tail) : Stream
{
    private readonly byte[] _head = Encoding.UTF8.GetBytes(head);
    private readonly byte[] _tail = Encoding.UTF8.GetBytes(tail);
    private long _position;

    private long Total => _head.Length + fillerBytes + _tail.Length;

    public static byte[] Materialize(string head, long fillerBytes, string tail)
    {
        using var stream = new GeneratedBody(head, fillerBytes, tail);
        var bytes = new byte[stream.Total];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var n = 0;
        while (n < count && _position < Total)
        {
            buffer[offset + n++] = _position < _head.Length ? _head[_position]
                : _position < _head.Length + fillerBytes ? (byte)('a' + (_position % 26))
                : _tail[_position - _head.Length - fillerBytes];
            _position++;
        }

        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
