using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Mesh.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>One HTTP/1.1 message as it was on the wire: start line, headers in order, body bytes after de-chunking.</summary>
internal sealed record RawMessage(string StartLine, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body, bool Chunked)
{
    public int Status => int.Parse(StartLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);

    public string? Header(string name) => Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    public override string ToString() => $"{StartLine} [{string.Join(", ", Headers.Select(h => $"{h.Key}: {h.Value}"))}] {Body.Length} bytes{(Chunked ? " chunked" : "")}";
}

/// <summary>
/// A strict HTTP/1.1 framer for what tests read off raw sockets: CRLF lines, Content-Length or chunked bodies.
/// Nothing is normalised, so what it returns is what was sent.
/// </summary>
internal static class RawHttp
{
    /// <summary>Reads one whole message at the start of <paramref name="bytes"/>; null while it is incomplete.</summary>
    public static RawMessage? TryParse(ReadOnlySpan<byte> bytes, bool response, bool closed, out int consumed)
    {
        consumed = 0;
        var headEnd = bytes.IndexOf("\r\n\r\n"u8);
        if (headEnd < 0)
        {
            return null;
        }

        var lines = Encoding.Latin1.GetString(bytes[..headEnd]).Split("\r\n");
        var headers = lines.Skip(1).Select(line => line.Split(':', 2)).Select(p => KeyValuePair.Create(p[0], p.Length > 1 ? p[1].Trim(' ', '\t') : "")).ToList();
        var message = new RawMessage(lines[0], headers, [], false);
        var position = headEnd + 4;
        var status = response ? message.Status : 0;
        if (status is (>= 100 and < 200) or 204 or 304)
        {
            consumed = position;
            return message;
        }

        if (message.Header("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            using var body = new MemoryStream();
            while (true)
            {
                var lineEnd = bytes[position..].IndexOf("\r\n"u8);
                if (lineEnd < 0)
                {
                    return null;
                }

                var sizeText = Encoding.Latin1.GetString(bytes.Slice(position, lineEnd)).Split(';')[0].Trim();
                var size = int.Parse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                position += lineEnd + 2;
                if (size == 0)
                {
                    var trailersEnd = bytes[position..].IndexOf("\r\n"u8);
                    while (trailersEnd > 0)
                    {
                        position += trailersEnd + 2;
                        trailersEnd = bytes[position..].IndexOf("\r\n"u8);
                    }

                    if (trailersEnd < 0)
                    {
                        return null;
                    }

                    consumed = position + 2;
                    return message with { Body = body.ToArray(), Chunked = true };
                }

                if (bytes.Length < position + size + 2)
                {
                    return null;
                }

                body.Write(bytes.Slice(position, size));
                position += size + 2;
            }
        }

        long length = message.Header("Content-Length") is { } declared ? long.Parse(declared, System.Globalization.CultureInfo.InvariantCulture)
            : response ? (closed ? bytes.Length - position : -1) : 0;
        if (length < 0 || bytes.Length < position + length)
        {
            return null;
        }

        consumed = position + (int)length;
        return message with { Body = bytes.Slice(position, (int)length).ToArray() };
    }

    /// <summary>Splits a connection's bytes into whole requests; <paramref name="rest"/> is what did not make one.</summary>
    public static List<RawMessage> ParseRequests(byte[] bytes, out byte[] rest)
    {
        var messages = new List<RawMessage>();
        var offset = 0;
        while (TryParse(bytes.AsSpan(offset), response: false, closed: false, out var consumed) is { } message)
        {
            messages.Add(message);
            offset += consumed;
        }

        rest = bytes[offset..];
        return messages;
    }
}

/// <summary>A client TCP connection that writes bytes exactly as given and reads responses with <see cref="RawHttp"/>.</summary>
internal sealed class RawConnection : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    private byte[] _buffer = new byte[16 * 1024];
    private int _filled;
    private bool _closed;

    public static async Task<RawConnection> OpenAsync(int port)
    {
        var connection = new RawConnection();
        await connection._socket.ConnectAsync(IPAddress.Loopback, port);
        return connection;
    }

    public Task SendAsync(string latin1) => SendAsync(Encoding.Latin1.GetBytes(latin1));

    /// <summary>Sends the bytes; false when the server had already closed or reset the connection.</summary>
    public async Task<bool> TrySendAsync(ReadOnlyMemory<byte> bytes)
    {
        try
        {
            await _socket.SendAsync(bytes);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public Task SendAsync(ReadOnlyMemory<byte> bytes) => _socket.SendAsync(bytes).AsTask();

    /// <summary>The next response, or null when the server closed (or reset) the connection before a whole one.</summary>
    public async Task<RawMessage?> ReadResponseAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (true)
        {
            if (RawHttp.TryParse(_buffer.AsSpan(0, _filled), response: true, _closed, out var consumed) is { } message)
            {
                Buffer.BlockCopy(_buffer, consumed, _buffer, 0, _filled - consumed);
                _filled -= consumed;
                return message;
            }

            if (_closed)
            {
                return null;
            }

            await ReceiveAsync(deadline.Token);
        }
    }

    /// <summary>Reads raw bytes until at least <paramref name="count"/> have arrived or the connection closed.</summary>
    public async Task<byte[]> ReadBytesAsync(int count, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (_filled < count && !_closed)
        {
            await ReceiveAsync(deadline.Token);
        }

        var bytes = _buffer[..Math.Min(count, _filled)];
        Buffer.BlockCopy(_buffer, bytes.Length, _buffer, 0, _filled - bytes.Length);
        _filled -= bytes.Length;
        return bytes;
    }

    /// <summary>True once the server has closed the connection (waiting up to the timeout), having sent nothing more.</summary>
    public async Task<bool> ClosedAsync(TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? DefaultTimeout);
        while (!_closed && _filled == 0)
        {
            await ReceiveAsync(deadline.Token);
        }

        return _closed && _filled == 0;
    }

    /// <summary>Vanishes: closes with a TCP reset, as a crashed client does.</summary>
    public void Abort()
    {
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    public void Dispose() => _socket.Dispose();

    private async Task ReceiveAsync(CancellationToken cancellationToken)
    {
        if (_filled == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }

        try
        {
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_filled), cancellationToken);
            _filled += read;
            _closed = read == 0;
        }
        catch (SocketException)
        {
            _closed = true;
        }
    }
}

/// <summary>
/// A real Kestrel app that records every request it gets (method, raw target, headers, body hash and length, whether
/// the body arrived whole) and, through connection middleware, every byte each connection received.
/// </summary>
internal sealed class RecordingUpstream : IAsyncDisposable
{
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<MemoryStream> _connections = new();
    private WebApplication? _app;

    public int Port { get; private set; }

    public static async Task<RecordingUpstream> StartAsync()
    {
        var upstream = new RecordingUpstream();
        (upstream._app, upstream.Port) = await LoopbackApp.StartAsync(app => app.Run(upstream.HandleAsync), listen: l => l.Use(upstream.Tap));
        return upstream;
    }

    /// <summary>Requests whose target contains <paramref name="token"/>, in arrival order (including ones still being read).</summary>
    public IReadOnlyList<ReceivedRequest> Received(string token) => _received.Where(r => r.Target.Contains(token, StringComparison.Ordinal)).ToList();

    /// <summary>Every connection's bytes so far, framed into requests, plus what did not frame (a cut-off request).</summary>
    public (List<RawMessage> Requests, List<byte[]> Leftovers) Wire()
    {
        List<RawMessage> requests = [];
        List<byte[]> leftovers = [];
        foreach (var connection in _connections)
        {
            byte[] bytes;
            lock (connection)
            {
                bytes = connection.ToArray();
            }

            requests.AddRange(RawHttp.ParseRequests(bytes, out var rest));
            if (rest.Length > 0)
            {
                leftovers.Add(rest);
            }
        }

        return (requests, leftovers);
    }

    private async Task HandleAsync(HttpContext context)
    {
        context.Features.Get<IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
        var request = context.Request;
        var record = new ReceivedRequest(request.Method, context.Features.Get<IHttpRequestFeature>()!.RawTarget,
            request.Headers.Select(h => KeyValuePair.Create(h.Key, h.Value.ToString())).ToList());
        _received.Enqueue(record);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                record.Add(buffer.AsSpan(0, read));
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or BadHttpRequestException)
        {
            record.Finish(Convert.ToHexStringLower(hash.GetHashAndReset()), complete: false);
            return;
        }

        record.Finish(Convert.ToHexStringLower(hash.GetHashAndReset()), complete: true);
        await context.Response.WriteAsync($"received {record.Length}", context.RequestAborted);
    }

    /// <summary>Copies the connection's input through a pipe of its own, keeping a copy of every byte.</summary>
    private ConnectionDelegate Tap(ConnectionDelegate next) => async connection =>
    {
        var bytes = new MemoryStream();
        _connections.Enqueue(bytes);
        var original = connection.Transport;
        var pipe = new Pipe();
        var copying = CopyAsync(original.Input, pipe.Writer, bytes);
        connection.Transport = new DuplexPipe(pipe.Reader, original.Output);
        try
        {
            await next(connection);
        }
        finally
        {
            original.Input.CancelPendingRead();
            await copying;
            connection.Transport = original;
        }
    };

    private static async Task CopyAsync(PipeReader input, PipeWriter output, MemoryStream copy)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync();
                foreach (var segment in result.Buffer)
                {
                    lock (copy)
                    {
                        copy.Write(segment.Span);
                    }

                    await output.WriteAsync(segment);
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or ConnectionResetException or OperationCanceledException)
        {
            // the connection is gone
        }

        await output.CompleteAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }
    }

    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
}

/// <summary>What the upstream app saw of one request; the body is kept whole up to 1 MB, hashed always.</summary>
internal sealed class ReceivedRequest(string method, string target, IReadOnlyList<KeyValuePair<string, string>> headers)
{
    private const int KeptBytes = 1024 * 1024;
    private readonly MemoryStream _body = new();
    private readonly TaskCompletionSource<bool> _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Method => method;
    public string Target => target;
    public IReadOnlyList<KeyValuePair<string, string>> Headers => headers;
    public long Length { get; private set; }
    public string Sha256 { get; private set; } = "";
    public byte[] Body => _body.ToArray();

    /// <summary>Completes with true when the whole body arrived, false when the request was aborted mid-body.</summary>
    public Task<bool> Finished => _finished.Task;

    public void Add(ReadOnlySpan<byte> bytes)
    {
        Length += bytes.Length;
        if (_body.Length < KeptBytes)
        {
            _body.Write(bytes[..Math.Min(bytes.Length, KeptBytes - (int)_body.Length)]);
        }
    }

    public void Finish(string sha256, bool complete)
    {
        Sha256 = sha256;
        _finished.TrySetResult(complete);
    }
}
