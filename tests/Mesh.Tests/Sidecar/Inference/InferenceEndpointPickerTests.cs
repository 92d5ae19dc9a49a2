using System.Text;
using Mesh.Routing.Model;
using Mesh.Sidecar.Inference;
using Mesh.Sidecar.LoadBalancing;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Sidecar.Inference;

public sealed class InferenceEndpointPickerTests
{
    private static readonly long Now = new DateTimeOffset(2026, 12, 2, 12, 0, 0, TimeSpan.Zero).UtcTicks;

    [Fact]
    public void SamePromptPrefix_SixteenIndependentSidecars_AllPickTheSameServer()
    {
        // Each "sidecar" has its own endpoint objects and picker, as separate processes would: no shared state.
        var picks = Enumerable.Range(0, 16).Select(i =>
        {
            var endpoints = Servers(8);
            var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(i));
            return Pick(picker, endpoints, Prompt("You are a helpful travel agent. " + new string('x', 600), "question " + i)).Config.Address;
        }).ToList();

        Assert.Single(picks.Distinct());
    }

    [Fact]
    public void DistinctPrefixes_SpreadOverEveryServer()
    {
        var endpoints = Servers(8);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var used = Enumerable.Range(0, 200).Select(g => Pick(picker, endpoints, Prompt($"group {g} system prompt " + new string('y', 600), "q")).Config.Address).ToHashSet();

        Assert.Equal(8, used.Count);
    }

    [Fact]
    public void AffinityServerOverTheLoadBound_RequestSpillsToTheNextOnTheRing()
    {
        var endpoints = Servers(4);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("shared prefix " + new string('z', 600), "q");
        var (home, reason) = PickWithReason(picker, endpoints, prompt);
        Assert.Equal(PickReason.PrefixAffinity, reason);

        home.State.ScrapedLoad = new ModelServerLoad(Running: 8, Waiting: 3, KvCacheUsage: 0.5, AtTicks: Now);
        foreach (var rest in endpoints.Where(e => e != home))
        {
            rest.State.ScrapedLoad = new ModelServerLoad(Running: 8, Waiting: 0, KvCacheUsage: 0.5, AtTicks: Now);
        }

        var (other, spillReason) = PickWithReason(picker, endpoints, prompt);

        Assert.NotSame(home, other);
        Assert.Equal(PickReason.PrefixSpill, spillReason);
    }

    [Fact]
    public void AffinityServerCoolingDown_RequestSpillsAndSaysSo()
    {
        var endpoints = Servers(4);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("cooled prefix " + new string('c', 600), "q");
        var (home, _) = PickWithReason(picker, endpoints, prompt);

        // A 429 with Retry-After put the prompt's server in a cooldown: the pick moves on and is not affinity.
        home.State.CooldownUntilTicks = Now + TimeSpan.FromSeconds(5).Ticks;
        var (other, reason) = PickWithReason(picker, endpoints, prompt);

        Assert.NotSame(home, other);
        Assert.Equal(PickReason.PrefixSpill, reason);
    }

    [Fact]
    public void BusyButNotQueueing_KeepsItsPromptGroup()
    {
        var endpoints = Servers(4);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("slots prefix " + new string('u', 600), "q");
        var home = Pick(picker, endpoints, prompt);

        // Every slot of the home server is in use but nothing waits: a new sequence joins the batch at once.
        home.State.ScrapedLoad = new ModelServerLoad(Running: 8, Waiting: 0, KvCacheUsage: 0.6, AtTicks: Now);

        Assert.Same(home, Pick(picker, endpoints, prompt));
    }

    [Fact]
    public void StaleMetrics_AreIgnored_InFlightCountDecides()
    {
        var endpoints = Servers(4);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("another prefix " + new string('w', 600), "q");
        var home = Pick(picker, endpoints, prompt);

        home.State.ScrapedLoad = new ModelServerLoad(50, 50, 1.0, Now - InferenceEndpointPicker.StaleAfter.Ticks - 1);

        Assert.Same(home, Pick(picker, endpoints, prompt));
    }

    [Fact]
    public void FullKvCache_IsPassedOverWhileOthersHaveRoom()
    {
        var endpoints = Servers(4);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("cache prefix " + new string('v', 600), "q");
        var home = Pick(picker, endpoints, prompt);

        home.State.ScrapedLoad = new ModelServerLoad(0, 0, 0.99, Now);

        Assert.NotSame(home, Pick(picker, endpoints, prompt));
    }

    [Fact]
    public void NoPrompt_GoesToTheLeastLoaded()
    {
        var endpoints = Servers(3);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        endpoints[0].State.ScrapedLoad = new ModelServerLoad(4, 0, 0.1, Now);
        endpoints[1].State.ScrapedLoad = new ModelServerLoad(1, 0, 0.1, Now);
        endpoints[2].State.ScrapedLoad = new ModelServerLoad(0, 2, 0.1, Now);

        var (picked, reason) = PickWithReason(picker, endpoints, new DefaultHttpContext());

        Assert.Same(endpoints[1], picked);
        Assert.Equal(PickReason.LeastLoadedNoPrompt, reason);
    }

    [Fact]
    public void VllmMetricsPage_IsReadSummingLabelSets()
    {
        const string Page = """
            # HELP vllm:num_requests_running Number of requests in model execution batches.
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{model_name="llama-3-8b"} 3
            vllm:num_requests_running{model_name="llama-3-8b-lora-a"} 1
            vllm:num_requests_waiting{model_name="llama-3-8b"} 2.0
            vllm:kv_cache_usage_perc{model_name="llama-3-8b"} 0.42
            vllm:prefix_cache_hits_total{model_name="llama-3-8b"} 1234
            garbage line
            vllm:num_requests_waiting{model_name="x"} NaN
            """;

        var load = ModelServerMetrics.Parse(Page, 7);

        Assert.Equal(new ModelServerLoad(4, 2, 0.42, 7), load);
        Assert.Null(ModelServerMetrics.Parse("# nothing here\nhttp_requests_total 5\n", 7));
    }

    private static EndpointRuntime[] Servers(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new EndpointRuntime(new EndpointConfig { Address = "10.0.0." + (i + 1), Port = 8000 }, new EndpointState(), null, viaSidecar: false))];

    private static HttpContext Prompt(string system, string user)
    {
        var scanner = new InferenceRequestScanner();
        scanner.Feed(Encoding.UTF8.GetBytes($$"""{"model":"m","messages":[{"role":"system","content":"{{system}}"},{"role":"user","content":"{{user}}"}]}"""));
        var context = new DefaultHttpContext();
        context.Features.Set(new InferenceRequest(scanner.Model, scanner.ModelUnusable, scanner.Stream, scanner.MaxTokens, scanner.User, scanner.Outcome, 0, scanner.Prompt));
        return context;
    }

    private static EndpointRuntime Pick(InferenceEndpointPicker picker, EndpointRuntime[] endpoints, HttpContext context) =>
        PickWithReason(picker, endpoints, context).Endpoint;

    private static (EndpointRuntime Endpoint, string Reason) PickWithReason(InferenceEndpointPicker picker, EndpointRuntime[] endpoints, HttpContext context)
    {
        var picked = picker.Pick(endpoints, new EndpointFilter(Now, false, null, false), context);
        Assert.NotNull(picked);
        return (picked, (string)context.Items[InferenceEndpointPicker.ReasonItem]!);
    }
}
