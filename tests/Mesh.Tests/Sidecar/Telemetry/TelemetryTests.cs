using System.Text;
using System.Text.Json;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Telemetry;

namespace Mesh.Tests.Sidecar.Telemetry;

public sealed class TelemetryTests
{
    [Fact]
    public void TryParse_ValidTraceparent_SplitsFields()
    {
        Assert.True(TraceContext.TryParse("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", out var trace, out var parent, out var flags));
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", trace);
        Assert.Equal("b7ad6b7169203331", parent);
        Assert.Equal("01", flags);
    }

    [Theory]
    [InlineData("")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")]
    [InlineData("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    public void TryParse_InvalidTraceparent_Rejected(string value)
    {
        Assert.False(TraceContext.TryParse(value, out _, out _, out _));
    }

    [Fact]
    public void PrometheusWriter_RecordedRequests_IstioNamesLabelsAndBuckets()
    {
        var metrics = new IstioMetrics(new SidecarOptions { Service = "productpage", Labels = new Dictionary<string, string> { ["version"] = "v1" } });
        var record = Record(200, 3.2);
        metrics.Record(record);
        metrics.Record(Record(200, 70));
        metrics.Record(Record(503, 1) with { ResponseFlags = "UH" });

        var text = PrometheusWriter.Write(metrics, [("mesh_sidecar_config_revision", "rev", 7), ("process_cpu_seconds_total", "cpu", 1.5)]);

        Assert.Contains("# TYPE istio_requests_total counter", text);
        Assert.Contains("istio_requests_total{reporter=\"source\",source_workload=\"productpage-v1\",source_workload_namespace=\"default\",destination_service=\"reviews.default.svc.cluster.local\",destination_service_name=\"reviews\",destination_service_namespace=\"default\",destination_version=\"v2\",destination_workload=\"reviews-v2\",destination_workload_namespace=\"default\",request_protocol=\"http\",response_code=\"200\",response_flags=\"-\"} 2", text);
        Assert.Contains("response_code=\"503\",response_flags=\"UH\"} 1", text);
        Assert.Contains("istio_request_duration_milliseconds_bucket{", text);
        Assert.Contains("le=\"5\"} 1", text);
        Assert.Contains("le=\"100\"} 2", text);
        Assert.Contains("le=\"+Inf\"} 2", text);
        Assert.Contains("istio_request_bytes_count{", text);
        Assert.Contains("istio_response_bytes_sum{", text);
        Assert.Contains("# TYPE mesh_sidecar_config_revision gauge\nmesh_sidecar_config_revision 7", text);
        Assert.Contains("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 1.5", text);
    }

    [Fact]
    public async Task AccessLog_OneRequest_OneJsonLine()
    {
        var output = new MemoryStream();
        var log = new AccessLog(enabled: true, output);
        await log.StartAsync(CancellationToken.None);

        log.Write(Record(200, 1.5));
        await Infrastructure.Poll.UntilTrueAsync(() => Task.FromResult(output.Length > 0), TimeSpan.FromSeconds(5), () => "no access log line written");
        await log.StopAsync(CancellationToken.None);

        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = JsonDocument.Parse(Assert.Single(lines)).RootElement;
        Assert.Equal(200, line.GetProperty("response_code").GetInt32());
        Assert.Equal("-", line.GetProperty("response_flags").GetString());
        Assert.Equal("0af7651916cd43dd8448eb211c80319c", line.GetProperty("trace_id").GetString());
        Assert.Equal("/reviews/1", line.GetProperty("path").GetString());
    }

    private static RequestRecord Record(int status, double ms) => new()
    {
        StartTime = DateTimeOffset.UnixEpoch,
        Method = "GET",
        Path = "/reviews/1",
        Authority = "reviews:9080",
        Protocol = "HTTP/1.1",
        StatusCode = status,
        ResponseFlags = "-",
        DurationMs = ms,
        RequestBytes = 0,
        ResponseBytes = 1024,
        DestinationService = "reviews.default.svc.cluster.local",
        DestinationServiceName = "reviews",
        DestinationNamespace = "default",
        DestinationVersion = "v2",
        DestinationWorkload = "reviews-v2",
        TraceId = "0af7651916cd43dd8448eb211c80319c",
        SpanId = "b7ad6b7169203331",
    };
}
