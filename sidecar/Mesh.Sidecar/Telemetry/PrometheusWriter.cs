using System.Globalization;
using System.Text;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// Prometheus text exposition (format 0.0.4) of <see cref="IstioMetrics"/> plus a few sidecar gauges. Minimal on
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
            Labels(text, metrics, key);
            text.Append("} ").Append(Interlocked.Read(ref s.Requests).ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        WriteHistograms(text, metrics, series, "istio_request_duration_milliseconds", "Request duration in milliseconds.", s => s.Duration);
        WriteHistograms(text, metrics, series, "istio_request_bytes", "Request body size in bytes.", s => s.RequestBytes);
        WriteHistograms(text, metrics, series, "istio_response_bytes", "Response body size in bytes.", s => s.ResponseBytes);
        foreach (var (name, help, value) in gauges)
        {
            text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(name.EndsWith("_total", StringComparison.Ordinal) ? " counter\n" : " gauge\n")
                .Append(name).Append(' ').Append(Number(value)).Append('\n');
        }

        return text.ToString();
    }

    private static void WriteHistograms(StringBuilder text, IstioMetrics metrics, List<(IstioMetrics.SeriesKey, IstioMetrics.Series)> series, string name, string help, Func<IstioMetrics.Series, Histogram> select)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append("\n# TYPE ").Append(name).Append(" histogram\n");
        foreach (var (key, s) in series)
        {
            var histogram = select(s);
            for (var i = 0; i < histogram.Bounds.Length; i++)
            {
                text.Append(name).Append("_bucket{");
                Labels(text, metrics, key);
                text.Append(",le=\"").Append(Number(histogram.Bounds[i])).Append("\"} ").Append(histogram.CumulativeCount(i).ToString(CultureInfo.InvariantCulture)).Append('\n');
            }

            text.Append(name).Append("_bucket{");
            Labels(text, metrics, key);
            text.Append(",le=\"+Inf\"} ").Append(histogram.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
            text.Append(name).Append("_sum{");
            Labels(text, metrics, key);
            text.Append("} ").Append(Number(histogram.Sum)).Append('\n');
            text.Append(name).Append("_count{");
            Labels(text, metrics, key);
            text.Append("} ").Append(histogram.Count.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }
    }

    private static void Labels(StringBuilder text, IstioMetrics metrics, IstioMetrics.SeriesKey key)
    {
        Label(text, "reporter", key.Inbound ? "destination" : "source", first: true);
        Label(text, "source_workload", key.Inbound ? "unknown" : metrics.SourceWorkload);
        Label(text, "source_workload_namespace", key.Inbound ? "unknown" : metrics.SourceNamespace);
        Label(text, "destination_service", key.DestinationService);
        Label(text, "destination_service_name", key.DestinationServiceName);
        Label(text, "destination_service_namespace", key.DestinationNamespace);
        Label(text, "destination_version", key.DestinationVersion);
        Label(text, "destination_workload", key.DestinationWorkload);
        Label(text, "destination_workload_namespace", key.DestinationNamespace);
        Label(text, "request_protocol", "http");
        Label(text, "response_code", key.ResponseCode.ToString(CultureInfo.InvariantCulture));
        Label(text, "response_flags", key.ResponseFlags);
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
