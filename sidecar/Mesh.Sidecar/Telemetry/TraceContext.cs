using System.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// W3C trace context for one proxied hop: continues the caller's trace (or starts one) with a new span id, which
/// goes upstream in <c>traceparent</c> and into the access log. When something listens on the Mesh.Sidecar
/// ActivitySource (OpenTelemetry, tests), the span is also a real <see cref="Activity"/>.
/// </summary>
internal readonly struct TraceContext
{
    public static readonly ActivitySource Source = new("Mesh.Sidecar");

    private TraceContext(string traceId, string spanId, string? parentSpanId, string flags, Activity? activity)
    {
        TraceId = traceId;
        SpanId = spanId;
        ParentSpanId = parentSpanId;
        Flags = flags;
        Activity = activity;
    }

    public string TraceId { get; }
    public string SpanId { get; }
    public string? ParentSpanId { get; }
    public string Flags { get; }
    public Activity? Activity { get; }

    public string TraceParent => $"00-{TraceId}-{SpanId}-{Flags}";

    public static TraceContext Start(HttpContext context, string operation, ActivityKind kind)
    {
        string traceId;
        string? parent = null;
        var flags = "01";
        if (TryParse(context.Request.Headers.TraceParent.ToString(), out var incomingTrace, out var incomingParent, out var incomingFlags))
        {
            traceId = incomingTrace;
            parent = incomingParent;
            flags = incomingFlags;
        }
        else
        {
            traceId = ActivityTraceId.CreateRandom().ToHexString();
        }

        if (Source.HasListeners())
        {
            var parentContext = new ActivityContext(
                ActivityTraceId.CreateFromString(traceId),
                parent is null ? default : ActivitySpanId.CreateFromString(parent),
                flags == "01" ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None,
                isRemote: parent is not null);
            if (Source.StartActivity(operation, kind, parentContext) is { } activity)
            {
                return new TraceContext(traceId, activity.SpanId.ToHexString(), parent, flags, activity);
            }
        }

        return new TraceContext(traceId, ActivitySpanId.CreateRandom().ToHexString(), parent, flags, null);
    }

    /// <summary>Parses <c>00-{32 hex}-{16 hex}-{2 hex}</c>; rejects all-zero ids as the spec requires.</summary>
    internal static bool TryParse(string value, out string traceId, out string parentId, out string flags)
    {
        traceId = parentId = flags = "";
        if (value.Length < 55 || value[2] != '-' || value[35] != '-' || value[52] != '-' || value.StartsWith("ff", StringComparison.Ordinal)
            || !IsHex(value.AsSpan(0, 2)) || !IsHex(value.AsSpan(3, 32)) || !IsHex(value.AsSpan(36, 16)) || !IsHex(value.AsSpan(53, 2))
            || value.AsSpan(3, 32).IndexOfAnyExcept('0') < 0 || value.AsSpan(36, 16).IndexOfAnyExcept('0') < 0)
        {
            return false;
        }

        traceId = value.Substring(3, 32);
        parentId = value.Substring(36, 16);
        flags = value.Substring(53, 2);
        return true;
    }

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
