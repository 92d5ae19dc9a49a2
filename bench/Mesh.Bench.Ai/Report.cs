using System.Globalization;

namespace Mesh.Bench.Ai;

/// <summary>One strategy's numbers over the whole phase.</summary>
internal sealed record PhaseResult(string Name, int Requests, int Failed, double TtftP50Ms, double TtftP90Ms, double OutputTokensPerSecond, double PrefixHitRate)
{
    public static PhaseResult From(string name, List<Outcome> outcomes, TimeSpan elapsed, CacheTotals cache)
    {
        var ttft = outcomes.Where(o => o.Ok).Select(o => o.TtftMs).Order().ToArray();
        return new PhaseResult(name, outcomes.Count, outcomes.Count(o => !o.Ok), Percentile(ttft, 0.5), Percentile(ttft, 0.9),
            outcomes.Sum(o => o.OutputTokens) / elapsed.TotalSeconds, cache.Queried == 0 ? 0 : (double)cache.Hit / cache.Queried);
    }

    private static double Percentile(double[] sorted, double q) => sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
}

/// <summary>The markdown table docs/benchmarks.md records, with the ratios the issue's targets name.</summary>
internal static class Report
{
    public static void Print(List<PhaseResult> results, Workload workload, int replicas, int sidecars, int slots, string timeScale)
    {
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine($"{replicas} SimLLM replicas ({slots} slots each, time scale {timeScale}), {sidecars} client sidecars, {workload.Groups} groups x {workload.PrefixWords}-word prefix, " +
            $"max_tokens {workload.MaxTokens}, rate {string.Join("/", workload.RatesPerSecond)} req/s for {workload.StepLength.TotalSeconds:0} s each");
        Console.WriteLine();
        Console.WriteLine("| strategy | requests | failed | TTFT p50 ms | TTFT p90 ms | output tokens/s | prefix-cache hit rate |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var r in results)
        {
            Console.WriteLine(string.Create(c, $"| {r.Name} | {r.Requests} | {r.Failed} | {r.TtftP50Ms:0.0} | {r.TtftP90Ms:0.0} | {r.OutputTokensPerSecond:0} | {r.PrefixHitRate:P1} |"));
        }

        var roundRobin = results.FirstOrDefault(r => r.Name == "round robin");
        var oracle = results.FirstOrDefault(r => r.Name.StartsWith("oracle", StringComparison.Ordinal));
        Console.WriteLine();
        foreach (var picker in results.Where(r => r.Name.StartsWith("mesh picker", StringComparison.Ordinal)))
        {
            if (roundRobin is not null)
            {
                Console.WriteLine(string.Create(c, $"{picker.Name} vs round robin: TTFT p90 {roundRobin.TtftP90Ms / picker.TtftP90Ms:0.0}x better (target >= 10x), output tokens/s {picker.OutputTokensPerSecond / roundRobin.OutputTokensPerSecond:0.00}x (target >= 1.5x)"));
            }

            if (oracle is not null)
            {
                Console.WriteLine(string.Create(c, $"{picker.Name} vs oracle: TTFT p90 {(picker.TtftP90Ms / oracle.TtftP90Ms - 1) * 100:0}% above the oracle's (target <= 10%)"));
            }
        }
    }
}
