using System.Diagnostics;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Sidecar.Telemetry;

public sealed class TraceContextTests
{
    [Theory]
    [InlineData("01")]
    [InlineData("00")]
    [InlineData("03")]
    public void Start_IncomingTraceparent_KeepsTraceIdAndFlagsWithNewSpan(string flags)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers.TraceParent = $"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-{flags}";

        var trace = TraceContext.Start(context, "outbound", ActivityKind.Client);

        Assert.Equal("0af7651916cd43dd8448eb211c80319c", trace.TraceId);
        Assert.Equal("b7ad6b7169203331", trace.ParentSpanId);
        Assert.NotEqual("b7ad6b7169203331", trace.SpanId);
        Assert.Equal($"00-0af7651916cd43dd8448eb211c80319c-{trace.SpanId}-{flags}", trace.TraceParent);
    }

    [Fact]
    public void Start_NoTraceparent_StartsSampledTrace()
    {
        var trace = TraceContext.Start(new DefaultHttpContext(), "outbound", ActivityKind.Client);

        Assert.Null(trace.ParentSpanId);
        Assert.Equal($"00-{trace.TraceId}-{trace.SpanId}-01", trace.TraceParent);
        Assert.True(TraceContext.TryParse(trace.TraceParent, out var traceId, out var spanId, out _));
        Assert.Equal(trace.TraceId, traceId);
        Assert.Equal(trace.SpanId, spanId);
    }
}
