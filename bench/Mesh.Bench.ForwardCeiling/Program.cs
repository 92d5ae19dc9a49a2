using System.Buffers;
using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Http.Features;

// The ceiling of a proxy hosted in Kestrel, for bench/proxy/run.sh (issue 15 asked whether a specialised HTTP/1.1 path
// beside YARP could reach nginx). "forward": Kestrel parses the request, and a hand-written keep-alive client writes it
// to a pooled upstream socket and copies a Content-Length response back: no HttpClient, no YARP, no routing, no
// telemetry, and none of the checks a real proxy owes (bodies, chunking, hop-by-hop headers, limits, retries).
// "serve": Kestrel answering 1 KB from memory, the server half of any such proxy alone.
// Usage: Mesh.Bench.ForwardCeiling LISTEN_PORT UPSTREAM_PORT forward|serve
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var listenPort = int.Parse(args[0]);
var upstreamPort = int.Parse(args[1]);
var serveOnly = args[2] == "serve";

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseSockets(o => { o.UnsafePreferInlineScheduling = true; o.WaitForDataBeforeAllocatingBuffer = false; });
builder.WebHost.ConfigureKestrel(k => { k.AddServerHeader = false; k.Listen(IPAddress.Loopback, listenPort); });
var app = builder.Build();

var body = new byte[1024];
Array.Fill(body, (byte)'x');
var pool = new ConcurrentStack<Socket>();
var upstream = new IPEndPoint(IPAddress.Loopback, upstreamPort);

if (serveOnly)
{
    app.Run(async context =>
    {
        context.Response.ContentLength = body.Length;
        context.Response.ContentType = "text/plain";
        await context.Response.Body.WriteAsync(body, context.RequestAborted);
    });
}
else
{
    app.Run(async context =>
    {
        if (!pool.TryPop(out var socket))
        {
            socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(upstream, context.RequestAborted);
        }
        var buffer = ArrayPool<byte>.Shared.Rent(16384);
        try
        {
            var n = WriteRequest(context.Request, buffer);
            await socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, context.RequestAborted);
            var filled = 0;
            int headerEnd;
            while (true)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, context.RequestAborted);
                if (read == 0) throw new IOException("upstream closed");
                filled += read;
                headerEnd = buffer.AsSpan(0, filled).IndexOf("\r\n\r\n"u8);
                if (headerEnd >= 0) break;
            }
            var contentLength = ApplyResponseHead(context.Response, buffer.AsSpan(0, headerEnd + 2));
            var bodyStart = headerEnd + 4;
            var have = filled - bodyStart;
            await context.Response.StartAsync(context.RequestAborted);
            if (have > 0) await context.Response.BodyWriter.WriteAsync(buffer.AsMemory(bodyStart, have), context.RequestAborted);
            var remaining = contentLength - have;
            while (remaining > 0)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), SocketFlags.None, context.RequestAborted);
                if (read == 0) throw new IOException("upstream closed");
                remaining -= read;
                await context.Response.BodyWriter.WriteAsync(buffer.AsMemory(0, read), context.RequestAborted);
            }
            pool.Push(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    });
}
app.Run();

static int WriteRequest(HttpRequest request, byte[] buffer)
{
    var span = buffer.AsSpan();
    var n = Encoding.ASCII.GetBytes(request.Method, span);
    span[n++] = (byte)' ';
    n += Encoding.ASCII.GetBytes(request.Path.Value ?? "/", span[n..]);
    n += Encoding.ASCII.GetBytes(request.QueryString.Value ?? "", span[n..]);
    " HTTP/1.1\r\n"u8.CopyTo(span[n..]); n += 11;
    foreach (var header in request.Headers)
    {
        if (header.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)) continue;
        foreach (var value in header.Value)
        {
            n += Encoding.ASCII.GetBytes(header.Key, span[n..]);
            span[n++] = (byte)':'; span[n++] = (byte)' ';
            n += Encoding.ASCII.GetBytes(value ?? "", span[n..]);
            span[n++] = (byte)'\r'; span[n++] = (byte)'\n';
        }
    }
    span[n++] = (byte)'\r'; span[n++] = (byte)'\n';
    return n;
}

static long ApplyResponseHead(HttpResponse response, ReadOnlySpan<byte> head)
{
    var lineEnd = head.IndexOf("\r\n"u8);
    var status = head[..lineEnd];
    Utf8Parser.TryParse(status.Slice(9, 3), out int code, out _);
    response.StatusCode = code;
    long contentLength = 0;
    head = head[(lineEnd + 2)..];
    while (head.Length > 0)
    {
        lineEnd = head.IndexOf("\r\n"u8);
        var line = head[..lineEnd];
        head = head[(lineEnd + 2)..];
        var colon = line.IndexOf((byte)':');
        var name = Encoding.ASCII.GetString(line[..colon]);
        var value = Encoding.ASCII.GetString(line[(colon + 1)..].Trim((byte)' '));
        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) contentLength = long.Parse(value);
        if (name.Equals("Connection", StringComparison.OrdinalIgnoreCase) || name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase)) continue;
        response.Headers.Append(name, value);
    }
    return contentLength;
}
