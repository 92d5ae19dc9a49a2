using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// Counts the body bytes a request really carried each way, for <c>istio_request_bytes</c>, <c>istio_response_bytes</c>
/// and the access log. <c>Content-Length</c> alone misses every chunked body, and streamed model answers (SSE) are
/// always chunked.
/// </summary>
internal sealed class BodyByteCounter
{
    public long RequestBytes { get; private set; }

    public long ResponseBytes { get; private set; }

    /// <summary>Wraps the request's and the response's body once per request; a second call (a gateway routing a
    /// request it received over mutual TLS) returns the counter already there.</summary>
    public static BodyByteCounter Attach(HttpContext context)
    {
        if (context.Features.Get<BodyByteCounter>() is { } attached)
        {
            return attached;
        }

        var counter = new BodyByteCounter();
        context.Features.Set(counter);
        context.Request.Body = new CountingStream(context.Request.Body, counter, request: true);
        context.Response.Body = new CountingStream(context.Response.Body, counter, request: false);
        return counter;
    }

    private sealed class CountingStream(Stream inner, BodyByteCounter counter, bool request) : Stream
    {
        public override bool CanRead => request;
        public override bool CanSeek => false;
        public override bool CanWrite => !request;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken);
            counter.RequestBytes += read;
            return read;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count)
        {
            var read = inner.Read(buffer, offset, count);
            counter.RequestBytes += read;
            return read;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            counter.ResponseBytes += buffer.Length;
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Write(byte[] buffer, int offset, int count)
        {
            counter.ResponseBytes += count;
            inner.Write(buffer, offset, count);
        }

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
