using System.Globalization;
using System.Text;
using Mesh.SimLlm.Admin;
using Mesh.SimLlm.Engine;

namespace Mesh.SimLlm.Metrics;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format under vLLM's metric names, so a router that scrapes vLLM reads
/// SimLLM unchanged. One engine serves all models, so every series carries the first served name as model_name, as
/// vLLM labels an engine by its served model name.
/// </summary>
internal static class PrometheusText
{
    public static void MapMetrics(this WebApplication app) =>
        app.MapGet("/metrics", (SimEngine engine, Hosting.SimLlmOptions options, TimeProvider time) =>
            Results.Text(Render(engine, options.ModelNames, time), "text/plain; version=0.0.4; charset=utf-8"));

    public static string Render(SimEngine engine, IReadOnlyList<string> models, TimeProvider time)
    {
        var model = models[0];
        var label = $"model_name=\"{Escape(model)}\"";
        var stats = AdminEndpoints.Stats(engine);
        var totals = stats.Totals;
        var text = new StringBuilder();
        Sample(text, "vllm:num_requests_running", "gauge", "Number of requests in model execution batches.", label, stats.Running);
        Sample(text, "vllm:num_requests_waiting", "gauge", "Number of requests waiting to be processed.", label, stats.Waiting);
        Sample(text, "vllm:kv_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent usage.", label, stats.KvCacheUsage);
        Sample(text, "vllm:prefix_cache_queries_total", "counter", "Prefix cache queries, in terms of number of queried tokens.", label, totals.PrefixCacheQueryTokens);
        Sample(text, "vllm:prefix_cache_hits_total", "counter", "Prefix cache hits, in terms of number of cached tokens.", label, totals.PrefixCacheHitTokens);
        Sample(text, "vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed.", label, totals.PromptTokens);
        Sample(text, "vllm:generation_tokens_total", "counter", "Number of generation tokens processed.", label, totals.CompletionTokens);
        Sample(text, "vllm:request_success_total", "counter", "Count of successfully processed requests.", label, totals.FinishedRequests);

        var (cumulative, count, sum) = engine.Stats.TtftHistogram();
        const string ttft = "vllm:time_to_first_token_seconds";
        text.Append("# HELP ").Append(ttft).Append(" Histogram of time to first token in seconds.\n");
        text.Append("# TYPE ").Append(ttft).Append(" histogram\n");
        for (var i = 0; i < EngineStats.TtftBuckets.Length; i++)
        {
            text.Append(ttft).Append("_bucket{").Append(label).Append(",le=\"").Append(Number(EngineStats.TtftBuckets[i])).Append("\"} ")
                .Append(Number(cumulative[i])).Append('\n');
        }

        text.Append(ttft).Append("_bucket{").Append(label).Append(",le=\"+Inf\"} ").Append(Number(count)).Append('\n');
        text.Append(ttft).Append("_count{").Append(label).Append("} ").Append(Number(count)).Append('\n');
        text.Append(ttft).Append("_sum{").Append(label).Append("} ").Append(Number(sum)).Append('\n');
        LoraInfo(text, engine, models, time);
        return text.ToString();
    }

    /// <summary>
    /// vLLM's LoRA gauge: served names after the first are adapters of it; the labels list those with running and
    /// waiting requests, and the value is the sample's Unix time, so the newest series wins, as vLLM does.
    /// </summary>
    private static void LoraInfo(StringBuilder text, SimEngine engine, IReadOnlyList<string> models, TimeProvider time)
    {
        var adapters = models.Skip(1).ToHashSet(StringComparer.Ordinal);
        var (running, waiting) = engine.Scheduler.Models();
        var labels = $"max_lora=\"{adapters.Count}\",running_lora_adapters=\"{Escape(string.Join(',', running.Where(adapters.Contains)))}\"," +
            $"waiting_lora_adapters=\"{Escape(string.Join(',', waiting.Where(adapters.Contains)))}\"";
        Sample(text, "vllm:lora_requests_info", "gauge", "Running stats on lora requests.", labels, time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
    }

    private static string Escape(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static void Sample(StringBuilder text, string name, string type, string help, string label, double value)
    {
        text.Append("# HELP ").Append(name).Append(' ').Append(help).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        text.Append(name).Append('{').Append(label).Append("} ").Append(Number(value)).Append('\n');
    }

    private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
