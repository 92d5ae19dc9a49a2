using System.Text.Json;
using System.Threading.Channels;
using Mesh.Sidecar.Hosting;
using Microsoft.Extensions.Hosting;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// One JSON line per request on stdout. Requests only enqueue a struct into a bounded channel; a background writer
/// formats and flushes in batches, so logging never blocks the request path. When the writer falls behind, lines
/// are dropped and counted rather than slowing traffic.
/// </summary>
internal sealed class AccessLog : BackgroundService
{
    private readonly Channel<RequestRecord> _channel = Channel.CreateBounded<RequestRecord>(
        new BoundedChannelOptions(16 * 1024) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly bool _enabled;
    private readonly Stream _output;
    private long _dropped;

    public AccessLog(SidecarOptions options)
        : this(options.AccessLog == AccessLogMode.Stdout, Console.OpenStandardOutput())
    {
    }

    internal AccessLog(bool enabled, Stream output)
    {
        _enabled = enabled;
        _output = output;
    }

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>When off, callers skip formatting what only the log would use (hex trace ids).</summary>
    public bool Enabled => _enabled;

    public void Write(in RequestRecord record)
    {
        if (_enabled && !_channel.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_enabled)
        {
            return;
        }

        var buffer = new MemoryStream(64 * 1024);
        await using var json = new Utf8JsonWriter(buffer);
        var reader = _channel.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken))
            {
                while (reader.TryRead(out var record) && buffer.Length < 60 * 1024)
                {
                    Format(json, record);
                    json.Flush();
                    buffer.WriteByte((byte)'\n');
                    json.Reset();
                }

                await _output.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), stoppingToken);
                await _output.FlushAsync(stoppingToken);
                buffer.SetLength(0);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static void WriteCount(Utf8JsonWriter json, string name, long? count)
    {
        if (count is { } value)
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    internal static void Format(Utf8JsonWriter json, in RequestRecord r)
    {
        json.WriteStartObject();
        json.WriteString("start_time", r.StartTime);
        json.WriteString("reporter", r.Inbound ? "destination" : "source");
        json.WriteString("method", r.Method);
        json.WriteString("path", r.Path);
        json.WriteString("authority", r.Authority);
        json.WriteString("protocol", r.Protocol);
        json.WriteNumber("response_code", r.StatusCode);
        json.WriteString("response_flags", r.ResponseFlags);
        json.WriteNumber("duration_ms", Math.Round(r.DurationMs, 3));
        json.WriteNumber("bytes_received", r.RequestBytes);
        json.WriteNumber("bytes_sent", r.ResponseBytes);
        json.WriteString("destination_service", r.DestinationService);
        json.WriteString("route_name", r.Route);
        json.WriteString("upstream_cluster", r.UpstreamCluster);
        json.WriteString("upstream_host", r.UpstreamHost);
        json.WriteNumber("retries", r.Retries);
        json.WriteString("trace_id", r.TraceId);
        json.WriteString("span_id", r.SpanId);
        json.WriteString("parent_span_id", r.ParentSpanId);
        if (r.Inference)
        {
            json.WriteString("model", r.Model);
            WriteCount(json, "prompt_tokens", r.PromptTokens);
            WriteCount(json, "completion_tokens", r.CompletionTokens);
            json.WriteString("pick_reason", r.PickReason);
        }

        json.WriteEndObject();
    }
}
