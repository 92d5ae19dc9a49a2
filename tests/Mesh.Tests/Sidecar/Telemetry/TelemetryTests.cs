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
        var metrics = new IstioMetrics();
        var record = Record(200, 3.2);
        metrics.Record(record);
        metrics.Record(Record(200, 70));
        metrics.Record(Record(503, 1) with { ResponseFlags = "UH" });

        var text = PrometheusWriter.Write(metrics, [("mesh_sidecar_config_revision", "rev", 7), ("process_cpu_seconds_total", "cpu", 1.5)]);

        Assert.Contains("# TYPE istio_requests_total counter", text);
        Assert.Contains("istio_requests_total{reporter=\"source\",source_workload=\"productpage-v1\",source_workload_namespace=\"default\",destination_service=\"reviews.default.svc.cluster.local\",destination_service_name=\"reviews\",destination_service_namespace=\"default\",destination_version=\"v2\",destination_workload=\"reviews-v2\",destination_workload_namespace=\"default\",request_protocol=\"http\",response_code=\"200\",response_flags=\"-\",source_principal=\"unknown\",source_app=\"productpage\",source_version=\"v1\",source_canonical_service=\"productpage\",source_canonical_revision=\"v1\",destination_principal=\"unknown\",destination_app=\"reviews\",destination_canonical_service=\"reviews\",destination_canonical_revision=\"v2\",destination_cluster=\"Kubernetes\",source_cluster=\"Kubernetes\",connection_security_policy=\"unknown\"} 2", text);
        var failed = text.Split('\n').Single(l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal) && l.Contains("response_code=\"503\",response_flags=\"UH\",", StringComparison.Ordinal));
        Assert.EndsWith("} 1", failed);
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
    public void PrometheusWriter_InboundMutualTls_DestinationReporterNamesBothPrincipals()
    {
        var metrics = new IstioMetrics();
        metrics.Record(Record(200, 2) with
        {
            Inbound = true,
            MutualTls = true,
            SourcePrincipal = "spiffe://cluster.local/ns/default/sa/productpage",
            DestinationPrincipal = "spiffe://cluster.local/ns/default/sa/reviews",
            RequestProtocol = "grpc",
        });

        var text = PrometheusWriter.Write(metrics, []);

        var line = text.Split('\n').Single(l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal));
        Assert.StartsWith("istio_requests_total{reporter=\"destination\",source_workload=\"productpage-v1\",source_workload_namespace=\"default\",", line);
        Assert.Contains("source_principal=\"spiffe://cluster.local/ns/default/sa/productpage\"", line);
        Assert.Contains("destination_principal=\"spiffe://cluster.local/ns/default/sa/reviews\"", line);
        Assert.Contains("request_protocol=\"grpc\"", line);
        Assert.EndsWith("connection_security_policy=\"mutual_tls\"} 1", line);
    }

    [Theory]
    [InlineData("ns=default;workload=productpage-v1;app=productpage;version=v1", "default", "productpage-v1", "productpage", "v1", false)]
    [InlineData("ns=istio-system;workload=ingress;app=ingress;version=unknown;gateway=true", "istio-system", "ingress", "ingress", "unknown", true)]
    [InlineData("workload=web;ns=shop;future=1", "shop", "web", "unknown", "unknown", false)]
    public void PeerMetadata_Parse_ReadsTheCallersWorkload(string header, string ns, string workload, string app, string version, bool gateway)
    {
        Assert.Equal(new PeerWorkload(ns, workload, app, version, gateway), PeerMetadata.Parse(header));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("ns=default")]
    [InlineData("garbage")]
    [InlineData("ns=;workload=x")]
    public void PeerMetadata_Parse_MalformedIsIgnored(string? header)
    {
        Assert.Null(PeerMetadata.Parse(header));
    }

    [Fact]
    public void PeerMetadata_FormatThenParse_RoundTrips()
    {
        var workload = new PeerWorkload("default", "reviews-v2", "reviews", "v2", false);
        Assert.Equal(workload, PeerMetadata.Parse(PeerMetadata.Format(workload)));
        Assert.Equal(workload.GetHashCode(), PeerMetadata.Parse(PeerMetadata.Format(workload))!.GetHashCode());
        Assert.Equal(PeerWorkload.InNamespace("shop"), new PeerWorkload("shop", "unknown", "unknown", "unknown", false));
        Assert.Null(PeerMetadata.Parse(new string('a', 600)));
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

    [Fact]
    public void PrometheusWriter_GenAiSamples_SemconvNamesLabelsAndTokenTypes()
    {
        var metrics = new IstioMetrics();
        metrics.GenAi.Record(new GenAiSample("chat", "llama-3-8b", "llama-3-8b", "llm.default.svc.cluster.local", "", 0.5, 6, 12, 0.03, 0.02));
        metrics.GenAi.Record(new GenAiSample("chat", null, null, "llm.default.svc.cluster.local", "503", 0.01, null, null, null, null));

        var text = PrometheusWriter.Write(metrics, []);

        const string Labels = "gen_ai_operation_name=\"chat\",gen_ai_request_model=\"llama-3-8b\",gen_ai_response_model=\"llama-3-8b\",destination_service=\"llm.default.svc.cluster.local\"";
        Assert.Contains("# TYPE gen_ai_client_token_usage histogram", text);
        Assert.Contains($"gen_ai_client_token_usage_sum{{{Labels},gen_ai_token_type=\"input\"}} 6\n", text);
        Assert.Contains($"gen_ai_client_token_usage_bucket{{{Labels},gen_ai_token_type=\"output\",le=\"16\"}} 1\n", text);
        Assert.Contains($"gen_ai_server_time_to_first_token_seconds_sum{{{Labels}}} 0.03\n", text);
        Assert.Contains($"gen_ai_server_time_per_output_token_seconds_count{{{Labels}}} 1\n", text);
        Assert.Contains("gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"unknown\",gen_ai_response_model=\"unknown\",destination_service=\"llm.default.svc.cluster.local\",error_type=\"503\"} 1\n", text);
        // The failed request had no usage and no stream: no empty token or first-token series for it.
        Assert.DoesNotContain("gen_ai_client_token_usage_count{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"unknown\"", text);
        Assert.DoesNotContain("gen_ai_server_time_to_first_token_seconds_count{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"unknown\"", text);
    }

    [Fact]
    public void GenAiMetrics_ManyModels_SeriesAreCapped()
    {
        var metrics = new GenAiMetrics();
        for (var i = 0; i < GenAiMetrics.MaxSeries + 10; i++)
        {
            metrics.Record(new GenAiSample("chat", $"model-{i}", null, "llm", "", 0.1, 1, 1, null, null));
        }

        var series = metrics.Snapshot().ToList();
        Assert.Equal(GenAiMetrics.MaxSeries + 1, series.Count);
        Assert.Equal(10, series.Single(s => s.Key.RequestModel == GenAiMetrics.OverflowModel).Series.OperationDuration.Count);
    }

    [Fact]
    public void AccessLog_InferenceRequest_HasModelAndTokens_OthersDoNot()
    {
        var inference = Format(Record(200, 1) with { Inference = true, Model = "llama-3-8b", PromptTokens = 6, CompletionTokens = null });
        var plain = Format(Record(200, 1));

        Assert.Equal("llama-3-8b", inference.GetProperty("model").GetString());
        Assert.Equal(6, inference.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, inference.GetProperty("completion_tokens").ValueKind);
        Assert.False(plain.TryGetProperty("model", out _));
    }

    private static JsonElement Format(RequestRecord record)
    {
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            AccessLog.Format(json, record);
        }

        return JsonDocument.Parse(buffer.ToArray()).RootElement;
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
        DestinationApp = "reviews",
        DestinationPrincipal = "unknown",
        Source = new PeerWorkload("default", "productpage-v1", "productpage", "v1", false),
        SourcePrincipal = "unknown",
        RequestProtocol = "http",
        TraceId = "0af7651916cd43dd8448eb211c80319c",
        SpanId = "b7ad6b7169203331",
    };
}
