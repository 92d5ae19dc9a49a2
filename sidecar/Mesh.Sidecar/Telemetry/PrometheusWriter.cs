using System.Globalization;
using System.Text;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// Prometheus text exposition (format 0.0.4) of <see cref="IstioMetrics"/>, <see cref="GenAiMetrics"/> and a few sidecar gauges. Minimal on
/// purpose: the shared exporter in telemetry/ is expected to replace it.
/// </summary>
internal static class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    /// <param name="gauges">Single-value series; a name ending in <c>_total</c> is exposed as a counter.</param>
    public static string Write(IstioMetrics metrics, IReadOnlyList<(string Name, string Help, double Value)> gauges)
    {
        var series = metrics.Snapshot().ToList();
        var text = new StringBuilder(4096);
        text.Append("# HELP istio_requests_total Requests handled by the proxy.\n# TYPE istio_requests_total counter\n");
        foreach (var (key, s) in series)
        {
            text.Append("istio_requests_total{");
            Labels(text, key);
            text.Append("} ").Append(Interlocked.Read(ref s.Requests).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        WriteHistograms(text, series, "istio_request_duration_milliseconds", "Request duration in milliseconds.", s => s.Duration);
        WriteHistograms(text, series, "istio_request_bytes", "Request body size in bytes.", s => s.RequestBytes);
        WriteHistograms(text, series, "istio_response_bytes", "Response body size in bytes.", s => s.ResponseBytes);
        WriteTcp(text, metrics.TcpSnapshot().ToList());
        WriteGenAi(text, metrics.GenAi);
        foreach (var (name, help, value) in gauges)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(name.EndsWith("_total", StringComparison.Ordinal) ? " counter\n" : " gauge\n")
                .Append(name).Append(' ').Append(Number(value)).Append('\n');
        }

        return text.ToString();
    }

    private static void WriteHistograms(StringBuilder text, List<(IstioMetrics.SeriesKey, IstioMetrics.Series)> series, string name, string help, Func<IstioMetrics.Series, Histogram> select)
    {
        Header(text, name, help);
        foreach (var (key, s) in series)
        {
            WriteHistogram(text, name, select(s), t => Labels(t, key));
        }
    }

    private static void WriteTcp(StringBuilder text, List<(IstioMetrics.SeriesKey Key, IstioMetrics.TcpSeries Series)> series)
    {
        foreach (var (name, help, read) in TcpCounters)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" counter\n");
            foreach (var (key, s) in series)
            {
                text.Append(name).Append('{');
                Labels(text, key, tcp: true);
                text.Append("} ").Append(read(s).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }
        }
    }

    private static readonly (string Name, string Help, Func<IstioMetrics.TcpSeries, long> Read)[] TcpCounters =
    [
        ("istio_tcp_connections_opened_total", "TCP connections opened.", s => Interlocked.Read(ref s.Opened)),
        ("istio_tcp_connections_closed_total", "TCP connections closed.", s => Interlocked.Read(ref s.Closed)),
        ("istio_tcp_sent_bytes_total", "Bytes sent to the downstream during TCP connections.", s => Interlocked.Read(ref s.SentBytes)),
        ("istio_tcp_received_bytes_total", "Bytes received from the downstream during TCP connections.", s => Interlocked.Read(ref s.ReceivedBytes)),
    ];

    private static void WriteGenAi(StringBuilder text, GenAiMetrics metrics)
    {
        var series = metrics.Snapshot().ToList();
        if (series.Count == 0)
        {
            return;
        }

        Header(text, GenAiMetrics.TokenUsage, "Number of input and output tokens used (gen_ai.client.token.usage).");
        foreach (var (key, s) in series)
        {
            WriteHistogram(text, GenAiMetrics.TokenUsage, s.InputTokens, t => GenAiLabels(t, key, "input"), skipEmpty: true);
            WriteHistogram(text, GenAiMetrics.TokenUsage, s.OutputTokens, t => GenAiLabels(t, key, "output"), skipEmpty: true);
        }

        WriteGenAiHistograms(text, series, GenAiMetrics.OperationDuration, "GenAI operation duration in seconds (gen_ai.client.operation.duration).", s => s.OperationDuration);
        WriteGenAiHistograms(text, series, GenAiMetrics.TimeToFirstToken, "Time to the first response byte of a streamed response in seconds (gen_ai.server.time_to_first_token).", s => s.TimeToFirstToken);
        WriteGenAiHistograms(text, series, GenAiMetrics.TimePerOutputToken, "Time per output token after the first in seconds (gen_ai.server.time_per_output_token).", s => s.TimePerOutputToken);
    }

    private static void WriteGenAiHistograms(StringBuilder text, List<(GenAiMetrics.SeriesKey, GenAiMetrics.Series)> series, string name, string help, Func<GenAiMetrics.Series, Histogram> select)
    {
        Header(text, name, help);
        foreach (var (key, s) in series)
        {
            WriteHistogram(text, name, select(s), t => GenAiLabels(t, key, null), skipEmpty: true);
        }
    }

    private static void Header(StringBuilder text, string name, string help) =>
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" histogram\n");

    /// <summary>One histogram series; an empty GenAI one is left out (a request without usage records no tokens).</summary>
    private static void WriteHistogram(StringBuilder text, string name, Histogram histogram, Action<StringBuilder> labels, bool skipEmpty = false)
    {
        if (skipEmpty && histogram.Count == 0)
        {
            return;
        }

        for (var i = 0; i < histogram.Bounds.Length; i++)
        {
            text.Append(name).Append("_bucket{");
            labels(text);
            text.Append(",le=\"").Append(Number(histogram.Bounds[i])).Append("\"} ").Append(histogram.CumulativeCount(i).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        text.Append(name).Append("_bucket{");
        labels(text);
        text.Append(",le=\"+Inf\"} ").Append(histogram.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        text.Append(name).Append("_sum{");
        labels(text);
        text.Append("} ").Append(Number(histogram.Sum)).Append('\n');
        text.Append(name).Append("_count{");
        labels(text);
        text.Append("} ").Append(histogram.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    private static void GenAiLabels(StringBuilder text, GenAiMetrics.SeriesKey key, string? tokenType)
    {
        Label(text, "gen_ai_operation_name", key.Operation, first: true);
        Label(text, "gen_ai_request_model", key.RequestModel);
        Label(text, "gen_ai_response_model", key.ResponseModel);
        Label(text, "destination_service", key.DestinationService);
        if (key.ErrorType.Length > 0)
        {
            Label(text, "error_type", key.ErrorType);
        }

        if (tokenType is not null)
        {
            Label(text, "gen_ai_token_type", tokenType);
        }
    }

    /// <summary>Istio's standard labels; TCP series have no response_code.</summary>
    private static void Labels(StringBuilder text, IstioMetrics.SeriesKey key, bool tcp = false)
    {
        Label(text, "reporter", key.Inbound ? "destination" : "source", first: true);
        Label(text, "source_workload", key.Source.Name);
        Label(text, "source_workload_namespace", key.Source.Namespace);
        Label(text, "destination_service", key.DestinationService);
        Label(text, "destination_service_name", key.DestinationServiceName);
        Label(text, "destination_service_namespace", key.DestinationNamespace);
        Label(text, "destination_version", key.DestinationVersion);
        Label(text, "destination_workload", key.DestinationWorkload);
        Label(text, "destination_workload_namespace", key.DestinationNamespace);
        Label(text, "request_protocol", key.RequestProtocol);
        if (!tcp)
        {
            Label(text, "response_code", key.ResponseCode.ToString(CultureInfo.InvariantCulture));
        }

        Label(text, "response_flags", key.ResponseFlags);
        Label(text, "source_principal", key.SourcePrincipal);
        Label(text, "source_app", key.Source.App);
        Label(text, "source_version", key.Source.Version);
        Label(text, "source_canonical_service", key.Source.App);
        Label(text, "source_canonical_revision", key.Source.Version);
        Label(text, "destination_principal", key.DestinationPrincipal);
        Label(text, "destination_app", key.DestinationApp);
        Label(text, "destination_canonical_service", key.DestinationApp);
        Label(text, "destination_canonical_revision", key.DestinationVersion);
        Label(text, "destination_cluster", "Kubernetes");
        Label(text, "source_cluster", "Kubernetes");
        // Istio: only the destination knows the connection's security; the source reports "unknown".
        Label(text, "connection_security_policy", !key.Inbound ? "unknown" : key.MutualTls ? "mutual_tls" : "none");
    }

    private static void Label(StringBuilder text, string name, string value, bool first = false)
    {
        if (!first)
        {
            text.Append(',');
        }

        text.Append(name).Append("=\"");
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append("\\\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append("\\n"),
                _ => text.Append(c),
            };
        }

        text.Append('"');
    }

    private static string Number(double value) => double.IsPositiveInfinity(value) ? "+Inf" : value.ToString("R", CultureInfo.InvariantCulture);
}
