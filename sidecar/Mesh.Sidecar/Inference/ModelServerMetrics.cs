using System.Globalization;
using Mesh.Sidecar.LoadBalancing;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Reads the load signals out of a model server's Prometheus text page, by vLLM's metric names (SimLLM and vLLM
/// expose them; other servers can): running and waiting sequences, and KV-cache use. Series with several label sets
/// (one per model or adapter) are summed; the cache use is the largest of them.
/// </summary>
internal static class ModelServerMetrics
{
    public static ModelServerLoad? Parse(string text, long atTicks)
    {
        double running = 0, waiting = 0, kv = 0;
        var found = false;
        foreach (var range in text.AsSpan().Split('\n'))
        {
            var line = text.AsSpan(range).Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny('{', ' ');
            var valueStart = line.LastIndexOf(' ');
            if (nameEnd <= 0 || valueStart <= 0 || !double.TryParse(line[(valueStart + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
            {
                continue;
            }

            switch (line[..nameEnd])
            {
                case "vllm:num_requests_running":
                    running += value;
                    found = true;
                    break;
                case "vllm:num_requests_waiting":
                    waiting += value;
                    found = true;
                    break;
                case "vllm:kv_cache_usage_perc" or "vllm:gpu_cache_usage_perc":
                    kv = Math.Max(kv, value);
                    found = true;
                    break;
            }
        }

        return found ? new ModelServerLoad((int)Math.Clamp(running, 0, int.MaxValue), (int)Math.Clamp(waiting, 0, int.MaxValue), Math.Clamp(kv, 0, 1), atTicks) : null;
    }
}
