using System.Buffers;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Splits a server-sent event stream into events as its bytes arrive, reads <c>usage</c> (and <c>model</c>) from
/// each event's JSON data, and — when <c>strip</c> is set — drops the usage-only chunk (<c>choices: []</c> with
/// <c>usage</c>) that the sidecar asked for on the client's behalf. Complete events are passed on at once; only the
/// incomplete event at the end of what arrived so far is held. Lines end with LF or CRLF; an event that grows past
/// <see cref="MaxEventBytes"/> (no SSE stream of an OpenAI-style API has one) makes the filter pass everything on
/// unread from then on, so memory stays bounded whatever the upstream sends.
/// </summary>
internal sealed class SseUsageFilter(bool strip)
{
    public const int MaxEventBytes = 256 * 1024;

    private byte[] _pending = new byte[4096];
    private int _length;
    private int _scanned;
    private int _lineStart;
    private bool _passThrough;

    /// <summary>The fields of the last event that had a <c>usage</c> object.</summary>
    public UsageFields Usage { get; private set; }

    public string? Model { get; private set; }

    /// <summary>Usage-only events removed from the stream.</summary>
    public int Stripped { get; private set; }

    /// <summary>
    /// Takes the next bytes of the stream. When stripping, what the client must receive next is written to
    /// <paramref name="output"/>; otherwise the caller forwards <paramref name="data"/> itself and output is unused.
    /// </summary>
    public void Process(ReadOnlySpan<byte> data, IBufferWriter<byte>? output)
    {
        if (_passThrough)
        {
            output?.Write(data);
            return;
        }

        Append(data);
        var eventStart = 0;
        var pending = _pending.AsSpan(0, _length);
        for (var i = _scanned; i < pending.Length; i++)
        {
            if (pending[i] != (byte)'\n')
            {
                continue;
            }

            var line = pending[_lineStart..i];
            if (line.IsEmpty || (line.Length == 1 && line[0] == (byte)'\r'))
            {
                Dispatch(pending[eventStart..(i + 1)], output);
                eventStart = i + 1;
            }

            _lineStart = i + 1;
        }

        _scanned = _length;
        Compact(eventStart);
        if (_length > MaxEventBytes)
        {
            output?.Write(_pending.AsSpan(0, _length));
            _length = 0;
            _passThrough = true;
        }
    }

    /// <summary>The stream ended: an event left without its closing blank line is read and passed on as it is.</summary>
    public void Finish(IBufferWriter<byte>? output)
    {
        if (!_passThrough && _length > 0)
        {
            Dispatch(_pending.AsSpan(0, _length), output);
        }

        _length = _scanned = _lineStart = 0;
    }

    private void Dispatch(ReadOnlySpan<byte> sseEvent, IBufferWriter<byte>? output)
    {
        if (!IsUsageOnly(sseEvent) || !strip)
        {
            output?.Write(sseEvent);
        }
        else
        {
            Stripped++;
        }
    }

    private bool IsUsageOnly(ReadOnlySpan<byte> sseEvent)
    {
        var data = EventData(sseEvent);
        if (data.IsEmpty || data.SequenceEqual("[DONE]"u8) || !UsageFields.TryRead(data, out var fields))
        {
            return false;
        }

        Model = fields.Model ?? Model;
        if (!fields.HasUsage)
        {
            return false;
        }

        Usage = fields;
        return fields.ChoicesEmpty;
    }

    /// <summary>The event's data: its <c>data:</c> lines' values joined by LF, as the SSE spec assembles them.</summary>
    private static ReadOnlySpan<byte> EventData(ReadOnlySpan<byte> sseEvent)
    {
        ReadOnlySpan<byte> single = default;
        ArrayBufferWriter<byte>? joined = null;
        var lines = 0;
        while (!sseEvent.IsEmpty)
        {
            var end = sseEvent.IndexOf((byte)'\n');
            var line = end < 0 ? sseEvent : sseEvent[..end];
            sseEvent = end < 0 ? default : sseEvent[(end + 1)..];
            if (line.EndsWith("\r"u8))
            {
                line = line[..^1];
            }

            if (!line.StartsWith("data:"u8))
            {
                continue;
            }

            var value = line[5..];
            if (value.StartsWith(" "u8))
            {
                value = value[1..];
            }

            if (++lines == 1)
            {
                single = value;
                continue;
            }

            if (joined is null)
            {
                joined = new ArrayBufferWriter<byte>();
                joined.Write(single);
            }

            joined.Write("\n"u8);
            joined.Write(value);
        }

        return joined is null ? single : joined.WrittenSpan;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        if (_pending.Length - _length < data.Length)
        {
            Array.Resize(ref _pending, Math.Max(_pending.Length * 2, _length + data.Length));
        }

        data.CopyTo(_pending.AsSpan(_length));
        _length += data.Length;
    }

    private void Compact(int consumed)
    {
        if (consumed == 0)
        {
            return;
        }

        _pending.AsSpan(consumed, _length - consumed).CopyTo(_pending);
        _length -= consumed;
        _scanned -= consumed;
        _lineStart -= consumed;
    }
}
