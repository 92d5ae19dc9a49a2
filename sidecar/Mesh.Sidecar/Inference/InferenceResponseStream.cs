using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Stands in for the client's response body while YARP copies the upstream's response into it: every write is passed
/// on as it comes (an SSE stream event by event), and on the way the usage is read into <see cref="InferenceUsage"/>.
/// Whether the body is an event stream or JSON is decided at the first write, when the headers are final.
/// </summary>
internal sealed class InferenceResponseStream(Stream inner, HttpResponse response, InferenceUsage usage, TimeProvider time) : Stream
{
    private enum Mode
    {
        Undecided,
        EventStream,
        Json,
        Other,
    }

    private readonly ArrayBufferWriter<byte> _forward = new();
    private Mode _mode;
    private SseUsageFilter? _events;
    private JsonUsageReader? _json;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            await inner.WriteAsync(buffer, cancellationToken);
            return;
        }

        var now = time.GetTimestamp();
        if (_mode == Mode.Undecided)
        {
            usage.FirstByteTimestamp = now;
            Decide();
        }

        usage.LastByteTimestamp = now;
        if (_mode == Mode.EventStream && usage.InjectedUsage)
        {
            _events!.Process(buffer.Span, _forward);
            await ForwardAsync(cancellationToken);
            return;
        }

        await inner.WriteAsync(buffer, cancellationToken);
        _events?.Process(buffer.Span, null);
        _json?.Feed(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    /// <summary>The upstream's body ended: passes on a held last fragment and records the usage found.</summary>
    public async ValueTask FinishAsync(CancellationToken cancellationToken)
    {
        if (_events is { } events)
        {
            events.Finish(usage.InjectedUsage ? _forward : null);
            await ForwardAsync(cancellationToken);
            usage.Record(events.Usage);
            usage.ResponseModel ??= events.Model;
        }
        else if (_json is { } json)
        {
            usage.Record(json.Fields);
        }
    }

    private void Decide()
    {
        var contentType = response.ContentType ?? "";
        if (contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            _mode = Mode.EventStream;
            _events = new SseUsageFilter(strip: usage.InjectedUsage);
        }
        else if (contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            _mode = Mode.Json;
            _json = new JsonUsageReader();
        }
        else
        {
            _mode = Mode.Other;
        }
    }

    private async ValueTask ForwardAsync(CancellationToken cancellationToken)
    {
        if (_forward.WrittenCount > 0)
        {
            await inner.WriteAsync(_forward.WrittenMemory, cancellationToken);
            _forward.ResetWrittenCount();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
