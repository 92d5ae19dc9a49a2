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
    public void AffinityServerOverTheLoadBound_RequestSpillsToTheLeastLoaded()
    {
        var endpoints = Servers(4);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("shared prefix " + new string('z', 600), "q");
        var (home, reason) = PickWithReason(picker, endpoints, prompt);
        Assert.Equal(PickReason.PrefixAffinity, reason);

        home.State.ScrapedLoad = new ModelServerLoad(Running: 8, Waiting: 3, KvCacheUsage: 0.5, AtTicks: Now);
        var rest = endpoints.Where(e => e != home).ToArray();
        foreach (var busy in rest)
        {
            busy.State.ScrapedLoad = new ModelServerLoad(Running: 8, Waiting: 0, KvCacheUsage: 0.5, AtTicks: Now);
        }

        // The spill pays a full prefill wherever it goes, so it goes where it does not also wait for a slot.
        var idlest = rest[^1];
        idlest.State.ScrapedLoad = new ModelServerLoad(Running: 2, Waiting: 0, KvCacheUsage: 0.5, AtTicks: Now);

        var (other, spillReason) = PickWithReason(picker, endpoints, prompt);

        Assert.Same(idlest, other);
        Assert.Equal(PickReason.PrefixSpill, spillReason);
    }

    [Fact]
    public void EveryQueueDeep_OwnerMoreThanTheSlackBehindTheIdlest_Spills()
    {
        var endpoints = Servers(8);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("deep prefix " + new string('d', 600), "q");
        var home = Pick(picker, endpoints, prompt);
        var rest = endpoints.Where(e => e != home).ToArray();
        foreach (var endpoint in rest)
        {
            endpoint.State.ScrapedLoad = new ModelServerLoad(Running: 4, Waiting: 15, KvCacheUsage: 0.5, AtTicks: Now);
        }

        var idlest = rest[2];
        idlest.State.ScrapedLoad = new ModelServerLoad(Running: 4, Waiting: 5, KvCacheUsage: 0.5, AtTicks: Now);

        // 25 waiting is within twice the average (15), but 20 more than the idlest server: past the slack of 16.
        home.State.ScrapedLoad = new ModelServerLoad(Running: 4, Waiting: 25, KvCacheUsage: 0.5, AtTicks: Now);
        var (spilled, reason) = PickWithReason(picker, endpoints, prompt);
        Assert.Same(idlest, spilled);
        Assert.Equal(PickReason.PrefixSpill, reason);

        // Within the slack, the prompt stays where its prefix is cached.
        home.State.ScrapedLoad = new ModelServerLoad(Running: 4, Waiting: 12, KvCacheUsage: 0.5, AtTicks: Now);
        Assert.Same(home, Pick(picker, endpoints, prompt));
    }

    [Fact]
    public void RequestsSentSinceTheLastScrape_QueueOnceTheServersSlotsAreFull()
    {
        var endpoints = Servers(2);
        var server = endpoints[0];
        server.State.SlotsSeen = 4;
        server.State.ActiveRequests = 1;
        server.State.ScrapedLoad = new ModelServerLoad(Running: 2, Waiting: 0, KvCacheUsage: 0.1, AtTicks: Now) { InFlightAtScrape = 1 };

        // Two requests sent since the page was read take the two free slots: nothing waits yet.
        server.State.ActiveRequests = 3;
        Assert.Equal(0, InferenceEndpointPicker.Pressure(server, Now));

        // Three more find every slot taken and queue, though the page the sidecar last read said the queue was empty.
        server.State.ActiveRequests = 6;
        Assert.Equal(3, InferenceEndpointPicker.Pressure(server, Now));

        // Requests that ended since the scrape do not make the server's own queue shorter than it reported.
        server.State.ScrapedLoad = new ModelServerLoad(Running: 4, Waiting: 2, KvCacheUsage: 0.1, AtTicks: Now) { InFlightAtScrape = 6 };
        server.State.ActiveRequests = 4;
        Assert.Equal(2, InferenceEndpointPicker.Pressure(server, Now));
    }

    [Fact]
    public void BurstFromThisSidecarBetweenScrapes_SpillsBeforeTheNextScrapeShowsTheQueue()
    {
        var endpoints = Servers(4);
        var picker = new InferenceEndpointPicker(endpoints, new InferencePickerConfig(), new Random(1));
        var prompt = Prompt("burst prefix " + new string('b', 600), "q");
        var home = Pick(picker, endpoints, prompt);
        foreach (var endpoint in endpoints)
        {
            endpoint.State.SlotsSeen = 4;
            endpoint.State.ScrapedLoad = new ModelServerLoad(Running: 0, Waiting: 0, KvCacheUsage: 0.1, AtTicks: Now);
        }

        // The last page showed the home server idle; this sidecar has since sent it eight requests for its four slots.
        home.State.ActiveRequests = 8;
        var (other, reason) = PickWithReason(picker, endpoints, prompt);

        Assert.NotSame(home, other);
        Assert.Equal(PickReason.PrefixSpill, reason);
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
