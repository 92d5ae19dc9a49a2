namespace Mesh.Bench.Ai;

/// <summary>
/// The prefix-heavy workload of the Inference Extension's benchmarks: groups of requests that share a long system
/// prompt (a tenant's instructions, a document), short distinct questions, arrivals at a rate that rises in steps.
/// Deterministic for a seed; each phase salts the prompts so no phase profits from an earlier phase's cache.
/// </summary>
internal sealed record Workload(int Groups, int PrefixWords, int MaxTokens, IReadOnlyList<int> RatesPerSecond, TimeSpan StepLength, int Seed)
{
    public TimeSpan Length => StepLength * RatesPerSecond.Count;

    /// <summary>The requests of one phase: when each is sent (from the phase start), its group and its body.</summary>
    public IReadOnlyList<PlannedRequest> Plan(string salt)
    {
        var random = new Random(Seed);
        var prefixes = Enumerable.Range(0, Groups)
            .Select(g => $"You are assistant {salt}-{g}. " + string.Join(' ', Enumerable.Range(0, PrefixWords).Select(i => $"rule{g}x{i}")))
            .ToArray();
        var plan = new List<PlannedRequest>();
        var at = TimeSpan.Zero;
        for (var step = 0; step < RatesPerSecond.Count; step++)
        {
            var end = StepLength * (step + 1);
            while (true)
            {
                // Poisson arrivals: exponential gaps at the step's rate.
                at += TimeSpan.FromSeconds(-Math.Log(1 - random.NextDouble()) / RatesPerSecond[step]);
                if (at >= end)
                {
                    at = end;
                    break;
                }

                var group = random.Next(Groups);
                plan.Add(new PlannedRequest(at, group, Body(prefixes[group], $"question {plan.Count} about item {random.Next(1000)}")));
            }
        }

        return plan;
    }

    private string Body(string system, string question) => System.Text.Json.JsonSerializer.Serialize(new
    {
        model = "llama-3-8b",
        stream = true,
        stream_options = new { include_usage = true },
        max_tokens = MaxTokens,
        messages = new[] { new { role = "system", content = system }, new { role = "user", content = question } },
    });
}

internal sealed record PlannedRequest(TimeSpan At, int Group, string Body);
