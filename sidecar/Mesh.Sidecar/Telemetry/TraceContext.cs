using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// W3C trace context for one proxied hop: continues the caller's trace (or starts one) with a new span id, which
/// goes upstream in <c>traceparent</c> and into the access log. When something listens on the Mesh.Sidecar
/// ActivitySource (OpenTelemetry, tests), the span is also a real <see cref="Activity"/>.
/// Ids are kept as <see cref="ActivityTraceId"/>/<see cref="ActivitySpanId"/> and parsed from spans, so a request
/// builds the outgoing <c>traceparent</c> and the ids' own strings, but no substrings or interpolation temporaries.
/// </summary>
internal readonly struct TraceContext
{
    public static readonly ActivitySource Source = new("Mesh.Sidecar");

    private readonly ActivityTraceId _traceId;
    private readonly ActivitySpanId _spanId;
    private readonly ActivitySpanId _parentSpanId;
    private readonly bool _hasParent;

    private TraceContext(ActivityTraceId traceId, ActivitySpanId spanId, ActivitySpanId parentSpanId, bool hasParent, byte flags, Activity? activity)
    {
        _traceId = traceId;
        _spanId = spanId;
        _parentSpanId = parentSpanId;
        _hasParent = hasParent;
        Activity = activity;
        TraceParent = Format(traceId, spanId, flags);
    }

    public string TraceId => _traceId.ToHexString();
    public string SpanId => _spanId.ToHexString();
    public string? ParentSpanId => _hasParent ? _parentSpanId.ToHexString() : null;
    public Activity? Activity { get; }

    /// <summary>The <c>traceparent</c> sent upstream: this hop's span as the parent of the next.</summary>
    public string TraceParent { get; }

    public static TraceContext Start(HttpContext context, string operation, ActivityKind kind)
    {
        var hasParent = TryParse(context.Request.Headers.TraceParent.ToString().AsSpan(), out var traceId, out var parent, out var flags);
        if (!hasParent)
        {
            traceId = ActivityTraceId.CreateRandom();
            flags = 1;
        }

        if (Source.HasListeners())
        {
            var parentContext = new ActivityContext(traceId, parent, (flags & 1) != 0 ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None, isRemote: hasParent);
            if (Source.StartActivity(operation, kind, parentContext) is { } activity)
            {
                return new TraceContext(traceId, activity.SpanId, parent, hasParent, flags, activity);
            }
        }

        return new TraceContext(traceId, ActivitySpanId.CreateRandom(), parent, hasParent, flags, null);
    }

    /// <summary>Parses <c>00-{32 hex}-{16 hex}-{2 hex}</c>; rejects all-zero ids as the spec requires.</summary>
    internal static bool TryParse(string value, out string traceId, out string parentId, out string flags)
    {
        traceId = parentId = flags = "";
        if (!IsValid(value))
        {
            return false;
        }

        traceId = value.Substring(3, 32);
        parentId = value.Substring(36, 16);
        flags = value.Substring(53, 2);
        return true;
    }

    private static bool TryParse(ReadOnlySpan<char> value, out ActivityTraceId traceId, out ActivitySpanId parentId, out byte flags)
    {
        traceId = default;
        parentId = default;
        flags = 0;
        if (!IsValid(value))
        {
            return false;
        }

        traceId = ActivityTraceId.CreateFromString(value.Slice(3, 32));
        parentId = ActivitySpanId.CreateFromString(value.Slice(36, 16));
        flags = (byte)((HexValue(value[53]) << 4) | HexValue(value[54]));
        return true;
    }

    private static bool IsValid(ReadOnlySpan<char> value) =>
        value.Length >= 55 && value[2] == '-' && value[35] == '-' && value[52] == '-' && !value.StartsWith("ff", StringComparison.Ordinal)
        && IsHex(value[..2]) && IsHex(value.Slice(3, 32)) && IsHex(value.Slice(36, 16)) && IsHex(value.Slice(53, 2))
        && value.Slice(3, 32).IndexOfAnyExcept('0') >= 0 && value.Slice(36, 16).IndexOfAnyExcept('0') >= 0;

    private static string Format(ActivityTraceId traceId, ActivitySpanId spanId, byte flags) =>
        string.Create(55, (traceId, spanId, flags), static (chars, state) =>
        {
            // ToHexString returns the id's cached string: no allocation.
            "00-".CopyTo(chars);
            state.traceId.ToHexString().CopyTo(chars.Slice(3, 32));
            chars[35] = '-';
            state.spanId.ToHexString().CopyTo(chars.Slice(36, 16));
            chars[52] = '-';
            Convert.TryToHexStringLower([state.flags], chars.Slice(53, 2), out _);
        });

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'a' + 10;

    private static bool IsHex(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
