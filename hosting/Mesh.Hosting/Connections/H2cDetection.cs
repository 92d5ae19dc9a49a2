using System.Buffers;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Hosting.Connections;

/// <summary>
/// Kestrel serves cleartext HTTP/2 (h2c, prior knowledge) only on endpoints that speak nothing else, and an
/// Http1AndHttp2 endpoint without TLS falls back to HTTP/1.1. So each proxy port is an HTTP/1.1 endpoint whose
/// connection middleware peeks at the first bytes: a connection that opens with the HTTP/2 preface is handed to the
/// pipeline of a companion HTTP/2-only endpoint, everything else continues as HTTP/1.1. Nothing is consumed, and
/// the cost is one read per connection, not per request.
/// </summary>
public static class H2cDetection
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public static async Task RouteAsync(ConnectionContext connection, ConnectionDelegate http1, ConnectionDelegate http2)
    {
        var input = connection.Transport.Input;
        while (true)
        {
            if (await ConnectionPeek.ReadAsync(connection) is not { } result)
            {
                return;
            }

            var buffer = result.Buffer;
            var prefix = Math.Min(buffer.Length, Preface.Length);
            var matches = StartsWithPreface(buffer.Slice(0, prefix));
            if (!matches || prefix == Preface.Length || result.IsCompleted)
            {
                input.AdvanceTo(buffer.Start);
                await (matches && prefix == Preface.Length ? http2 : http1)(connection);
                return;
            }

            // A partial preface: look again once more bytes arrived.
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool StartsWithPreface(ReadOnlySequence<byte> head)
    {
        Span<byte> bytes = stackalloc byte[Preface.Length];
        head.CopyTo(bytes);
        return bytes[..(int)head.Length].SequenceEqual(Preface.AsSpan(0, (int)head.Length));
    }
}
