using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Mesh.Tests.SimLlm;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Token rate limits through real sidecar processes in front of a real SimLLM, with the budget shared through a real
/// silo: the tokens the model server actually processed (its own counters) are the ground truth.
/// </summary>
public sealed class TokenLimitEndToEndTests(ITestOutputHelper output)
{
    private const string Host = "llm";
    private const string PromptLimit = "ratelimit.mesh.dev/prompt-tokens-per-minute";
    private const string CompletionLimit = "ratelimit.mesh.dev/completion-tokens-per-minute";
    private const string Key = "ratelimit.mesh.dev/token-limit-key";

    [Fact]
    public async Task EightSidecars_OneClientsCompletionBudget_IsSharedAndHeldAtTheLimit_OtherClientsKeepTheirOwn()
    {
        const int limit = 1200;
        const int maxTokens = 20;
        await using var mesh = await MeshTestBed.StartAsync(output);
        var llm = mesh.Own(await SimLlmServer.StartAsync("--max-num-seqs", "64", "--time-scale", "0.002"));
        await mesh.AddServiceAsync(Host, 8000, [llm.BaseAddress.Port]);
        await mesh.ApplyAsync(IstioResources.DestinationRule(Host, new { host = Host },
            new Dictionary<string, string> { [CompletionLimit] = $"{limit}", [Key] = "header:x-user" }));
        var sidecars = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => mesh.StartSidecarAsync($"caller-{i}")));
        await mesh.SyncAsync(sidecars);

        var admitted = 0;
        var limited = 0;
        var retryAfterMissing = 0;
        var clock = Stopwatch.StartNew();
        // Far more than the budget: 16 callers for 6 s, each request asking for 20 completion tokens.
        await Task.WhenAll(sidecars.SelectMany(s => Enumerable.Range(0, 2).Select(async _ =>
        {
            while (clock.Elapsed < TimeSpan.FromSeconds(6))
            {
                using var response = await ChatAsync(s, "alice", maxTokens);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref admitted);
                }
                else
                {
                    Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                    Interlocked.Increment(ref limited);
                    if (response.Headers.RetryAfter?.Delta is not { TotalSeconds: >= 1 })
                    {
                        Interlocked.Increment(ref retryAfterMissing);
                    }
                }
            }
        })));
        var elapsed = clock.Elapsed;

        var generated = await llm.TotalAsync("completionTokens");
        // A minute's worth at once, then the refill for the time the run took.
        var allowed = limit + (limit * elapsed.TotalSeconds / 60);
        output.WriteLine($"admitted {admitted}, limited {limited}, generated {generated} completion tokens in {elapsed.TotalSeconds:0.0} s, allowed {allowed:0}");
        Assert.Equal(admitted * maxTokens, generated);
        Assert.InRange(generated, limit * 0.95, allowed * 1.03);
        Assert.True(limited > 0, "no request was limited");
        Assert.Equal(0, retryAfterMissing);

        // Another client of the same rule has a budget of its own.
        using var bob = await ChatAsync(sidecars[3], "bob", maxTokens);
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
        Assert.Contains("\"response_flags\":\"RL\"", sidecars[0].Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromptBudget_PerWorkload_IsChargedWithTheReportedUsage_NotTheEstimate()
    {
        const int limit = 3000;
        await using var mesh = await MeshTestBed.StartAsync(output);
        var llm = mesh.Own(await SimLlmServer.StartAsync("--time-scale", "0.002"));
        await mesh.AddServiceAsync(Host, 8000, [llm.BaseAddress.Port]);
        await mesh.ApplyAsync(IstioResources.DestinationRule(Host, new { host = Host },
            new Dictionary<string, string> { [PromptLimit] = $"{limit}" }));
        var caller = await mesh.StartSidecarAsync("prompt-caller");
        await mesh.SyncAsync(caller);

        // JSON framing makes bytes / 4 overestimate the prompt; settling with the reported usage gives the difference
        // back, so the server ends up processing (nearly) the whole budget before the first 429.
        var sent = 0;
        HttpStatusCode last;
        var started = System.Diagnostics.Stopwatch.StartNew();
        do
        {
            using var response = await ChatAsync(caller, null, 4, $"question {sent} " + string.Join(' ', Enumerable.Range(0, 20).Select(i => $"w{i}")));
            last = response.StatusCode;
            sent++;
        }
        while (last == HttpStatusCode.OK && sent < 1000);

        var elapsed = started.Elapsed;
        var processed = await llm.TotalAsync("promptTokens");
        // The bucket refills while the loop runs (a minute's worth per minute): on a loaded machine that is a few
        // hundred tokens more than the limit, which the budget rightly admits.
        var allowed = limit + (limit * elapsed.TotalSeconds / 60);
        output.WriteLine($"{sent} requests in {elapsed.TotalSeconds:0.0} s, {processed} prompt tokens processed of {limit} (allowed {allowed:0})");
        Assert.Equal(HttpStatusCode.TooManyRequests, last);
        Assert.InRange(processed, limit * 0.9, allowed * 1.05);
    }

    private static Task<HttpResponseMessage> ChatAsync(SidecarProcess sidecar, string? user, int maxTokens, string question = "hello")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{Host}:8000/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = SimLlmServer.Model,
                max_tokens = maxTokens,
                messages = new[] { new { role = "user", content = question } },
            }),
        };
        if (user is not null)
        {
            request.Headers.Add("x-user", user);
        }

        return sidecar.Proxy.SendAsync(request);
    }
}
