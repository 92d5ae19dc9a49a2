using System.Globalization;
using System.Text;
using Mesh.Routing.Model;
using Mesh.Sidecar.Configuration;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// The load each model server last reported to this sidecar, as Prometheus gauges on the sidecar's <c>/metrics</c>:
/// what the endpoint picker is deciding on, visible to an operator.
/// </summary>
internal static class EndpointLoadGauges
{
    public static string Write(RuntimeConfig config)
    {
        var text = new StringBuilder();
        foreach (var cluster in config.Clusters.Values)
        {
            if (cluster.Config.LoadBalancer.Algorithm != LoadBalancerAlgorithm.InferencePicker)
            {
                continue;
            }

            foreach (var endpoint in cluster.Endpoints)
            {
                if (endpoint.State.ScrapedLoad is not { } load)
                {
                    continue;
                }

                if (text.Length == 0)
                {
                    text.Append("# HELP mesh_inference_endpoint_load Load a model server last reported on its metrics page (signal: running, waiting, kv_cache_usage).\n")
                        .Append("# TYPE mesh_inference_endpoint_load gauge\n");
                }

                var labels = $"cluster=\"{cluster.Name}\",endpoint=\"{endpoint.Config.Address}:{endpoint.Config.Port}\"";
                Gauge(text, labels, "running", load.Running);
                Gauge(text, labels, "waiting", load.Waiting);
                Gauge(text, labels, "kv_cache_usage", load.KvCacheUsage);
            }
        }

        return text.ToString();
    }

    private static void Gauge(StringBuilder text, string labels, string signal, double value) =>
        text.Append("mesh_inference_endpoint_load{").Append(labels).Append(",signal=\"").Append(signal).Append("\"} ")
            .Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
}
