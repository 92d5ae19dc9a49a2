using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Tests.SimLlm;

/// <summary>SimLLM's engine model: prefix-cache hits and the TTFT they save, slots and the waiting queue, streaming and disconnects.</summary>
public sealed class SimLlmEngineTests
{
    // 160 words: ten full 16-token blocks of shared system prompt.
    private static readonly string LongSystemPrompt = string.Join(' ', Enumerable.Range(0, 160).Select(i => $"w{i.ToString(CultureInfo.InvariantCulture)}"));

    private static object SharedPrefixChat(string question) => new
    {
        model = SimLlmServer.Model,
        messages = new[] { new { role = "system", content = LongSystemPrompt }, new { role = "user", content = question } },
        max_tokens = 2,
    };

    [Fact]
    public async Task PrefixCache_SecondRequestSharingLongPrefix_HitsInMetricsAndStatsAndSmallerModelTtft()
    {
        // Defaults: overhead 20 ms, prefill 0.5 ms a token, one request at a time so load is 1.
        await using var server = await SimLlmServer.StartAsync();

        using var first = await server.PostAsync("/v1/chat/completions", SharedPrefixChat("What is a mesh?"));
        var hitsAfterFirst = await server.MetricAsync(SimLlmServer.Series("vllm:prefix_cache_hits_total"));
        using var second = await server.PostAsync("/v1/chat/completions", SharedPrefixChat("Why route by the prefix?"));

        // Prompts: system token + 160 words, user token + 5 (then 6) tokens, assistant token = 168 (169); the shared head,
        // 162 tokens, holds ten full blocks.
        Assert.Equal("168", Header(first, "x-simllm-prompt-tokens"));
        Assert.Equal("0", Header(first, "x-simllm-cached-tokens"));
        Assert.Equal("160", Header(second, "x-simllm-cached-tokens"));
        Assert.Equal(20 + 168 * 0.5, double.Parse(Header(first, "x-simllm-ttft-ms"), CultureInfo.InvariantCulture));
        Assert.Equal(20 + (169 - 160) * 0.5, double.Parse(Header(second, "x-simllm-ttft-ms"), CultureInfo.InvariantCulture));
        var secondUsage = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("usage");
        Assert.Equal(160, secondUsage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());

        Assert.Equal(0, hitsAfterFirst);
        Assert.Equal(160, await server.MetricAsync(SimLlmServer.Series("vllm:prefix_cache_hits_total")));
        Assert.Equal(168 + 169, await server.MetricAsync(SimLlmServer.Series("vllm:prefix_cache_queries_total")));
        Assert.Equal(168 + 169, await server.MetricAsync(SimLlmServer.Series("vllm:prompt_tokens_total")));
        Assert.Equal(4, await server.MetricAsync(SimLlmServer.Series("vllm:generation_tokens_total")));
        Assert.Equal(2, await server.MetricAsync(SimLlmServer.Series("vllm:time_to_first_token_seconds_count")));
        Assert.Equal(160, await server.TotalAsync("prefixCacheHitTokens"));
        Assert.Equal(168 + 169, await server.TotalAsync("prefixCacheQueryTokens"));
    }

    [Fact]
    public async Task PrefixCache_SmallCapacity_LeastRecentlyUsedPrefixEvicted()
    {
        // Ten blocks fit: each long prompt fills them, so the second evicts the first.
        await using var server = await SimLlmServer.StartAsync("--kv-cache-blocks", "10");
        using var a = await server.PostAsync("/v1/completions", new { prompt = LongSystemPrompt + " a", max_tokens = 1 });
        using var b = await server.PostAsync("/v1/completions", new { prompt = "other " + LongSystemPrompt, max_tokens = 1 });
        using var aAgain = await server.PostAsync("/v1/completions", new { prompt = LongSystemPrompt + " b", max_tokens = 1 });

        Assert.Equal("0", Header(b, "x-simllm-cached-tokens"));
        Assert.Equal("0", Header(aAgain, "x-simllm-cached-tokens"));
        Assert.Equal(10, (await server.StatsAsync()).GetProperty("prefixCacheBlocks").GetInt32());
    }

    [Fact]
    public async Task Streaming_FirstChunkReadWhileTheRestIsStillBeingGenerated_DisconnectFreesTheSlot()
    {
        // 1 s a token in real time: the stream is far from over when its first chunk is read.
        await using var server = await SimLlmServer.StartAsync("--time-scale", "1", "--overhead-ms", "0", "--inter-token-ms", "1000");
        using var abort = new CancellationTokenSource();
        var response = await server.PostStreamingAsync("/v1/completions", new { prompt = "stream slowly", max_tokens = 50, stream = true }, abort.Token);
        await using (var events = SseReader.DataAsync(response, abort.Token).GetAsyncEnumerator(abort.Token))
        {
            Assert.True(await events.MoveNextAsync());
            var first = JsonDocument.Parse(events.Current).RootElement;
            Assert.Equal(JsonValueKind.Null, first.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);

            var during = await server.StatsAsync();
            Assert.Equal(1, during.GetProperty("running").GetInt32());
            Assert.InRange(during.GetProperty("totals").GetProperty("completionTokens").GetInt64(), 1, 49);
            // Prompt (2 tokens) and the tokens generated so far fit one 16-token block until the 15th token.
            Assert.Equal(1, during.GetProperty("kvBlocksInUse").GetInt64());
            Assert.Equal(1 / 2048.0, during.GetProperty("kvCacheUsage").GetDouble());
            Assert.Equal(1 / 2048.0, await server.MetricAsync(SimLlmServer.Series("vllm:kv_cache_usage_perc")));

            await abort.CancelAsync();
        }

        response.Dispose();
        await server.UntilStatsAsync(s => s.GetProperty("running").GetInt32() == 0, "the disconnected stream's slot freed");
        var after = await server.StatsAsync();
        Assert.Equal(0, after.GetProperty("totals").GetProperty("finishedRequests").GetInt64());
        Assert.Equal(0, after.GetProperty("kvBlocksInUse").GetInt64());
    }

    [Fact]
    public async Task Queue_SlotsFull_WaitingAndLoraAdaptersInMetricsThenQueueFull429_DisconnectedWaiterLeavesTheQueue()
    {
        await using var server = await SimLlmServer.StartAsync("--max-num-seqs", "1", "--max-queue", "1", "--retry-after-seconds", "3",
            "--time-scale", "1", "--inter-token-ms", "1000");
        using var abort = new CancellationTokenSource();
        var request = new { model = SimLlmServer.Adapter, prompt = "hold the slot", max_tokens = 100, stream = true };
        var running = await server.PostStreamingAsync("/v1/completions", request, abort.Token);
        await server.UntilStatsAsync(s => s.GetProperty("running").GetInt32() == 1, "one running");
        var waiting = server.PostStreamingAsync("/v1/completions", request, abort.Token);
        await Poll(server, "vllm:num_requests_waiting", 1);

        using var refused = await server.PostAsync("/v1/completions", new { prompt = "no room", max_tokens = 1 });
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("3", refused.Headers.RetryAfter?.ToString());
        Assert.Equal("queue_full", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, await server.MetricAsync(SimLlmServer.Series("vllm:num_requests_running")));
        Assert.Equal(1, await server.TotalAsync("queueRejections"));
        var lora = (await server.Client.GetStringAsync("/metrics")).Split('\n').Single(l => l.StartsWith("vllm:lora_requests_info{", StringComparison.Ordinal));
        Assert.StartsWith($"vllm:lora_requests_info{{max_lora=\"1\",running_lora_adapters=\"{SimLlmServer.Adapter}\",waiting_lora_adapters=\"{SimLlmServer.Adapter}\"}} ", lora, StringComparison.Ordinal);

        await abort.CancelAsync();
        running.Dispose();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        await server.UntilStatsAsync(s => s.GetProperty("running").GetInt32() == 0 && s.GetProperty("waiting").GetInt32() == 0, "slot and queue empty after both clients left");
        Assert.Equal(1, await server.TotalAsync("requests"));
    }

    [Fact]
    public async Task LoadFactor_SecondRunningSequence_ModelTtftScaledByOnePlusAlpha()
    {
        await using var server = await SimLlmServer.StartAsync("--load-alpha", "0.5", "--time-scale", "1", "--inter-token-ms", "1000");
        using var abort = new CancellationTokenSource();
        var alone = await server.PostStreamingAsync("/v1/completions", new { prompt = "hold the slot", max_tokens = 100, stream = true }, abort.Token);
        try
        {
            await server.UntilStatsAsync(s => s.GetProperty("running").GetInt32() == 1, "one running");
            using var second = await server.PostStreamingAsync("/v1/completions", new { prompt = "load two", max_tokens = 100, stream = true }, abort.Token);

            // 20 ms overhead + 0.5 ms a prompt token, × (1 + 0.5 × (running − 1)).
            Assert.Equal((20 + (3 * 0.5)) * 1, double.Parse(Header(alone, "x-simllm-ttft-ms"), CultureInfo.InvariantCulture));
            Assert.Equal((20 + (2 * 0.5)) * 1.5, double.Parse(Header(second, "x-simllm-ttft-ms"), CultureInfo.InvariantCulture));
        }
        finally
        {
            await abort.CancelAsync();
            alone.Dispose();
        }
    }

    [Fact]
    public async Task Queue_WaiterGetsTheSlotWhenTheRunningRequestEnds()
    {
        await using var server = await SimLlmServer.StartAsync("--max-num-seqs", "1");
        var requests = Enumerable.Range(0, 4).Select(i => server.PostAsync("/v1/completions", new { prompt = $"turn {i}", max_tokens = 20 })).ToArray();
        var responses = await Task.WhenAll(requests);

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(4, await server.TotalAsync("finishedRequests"));
        Assert.Equal(80, await server.TotalAsync("completionTokens"));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task SameSeed_TwoServers_SameText_OtherSeed_OtherText()
    {
        await using var one = await SimLlmServer.StartAsync("--seed", "42");
        await using var two = await SimLlmServer.StartAsync("--seed", "42");
        await using var other = await SimLlmServer.StartAsync("--seed", "43");
        var request = new { messages = new[] { new { role = "user", content = "Tell me about meshes." } } };

        var text = await SimLlmApiTests.ChatTextAsync(one, request);

        Assert.Equal(text, await SimLlmApiTests.ChatTextAsync(two, request));
        Assert.NotEqual(text, await SimLlmApiTests.ChatTextAsync(other, request));
    }

    private static Task Poll(SimLlmServer server, string metric, double atLeast) =>
        Infrastructure.Poll.UntilTrueAsync(async () => await server.MetricAsync(SimLlmServer.Series(metric)) >= atLeast, TimeSpan.FromSeconds(20),
            () => $"{metric} never reached {atLeast}");

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.Single() : throw new InvalidOperationException($"no {name} header ({response.StatusCode})");
}
