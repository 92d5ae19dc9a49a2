using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Tests.SimLlm;

/// <summary>SimLLM's failure switches, set at start and at runtime, and how bad options stop it.</summary>
public sealed class SimLlmFailureTests
{
    private static readonly object Chat = new { messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 2 };

    [Theory]
    [InlineData("429", HttpStatusCode.TooManyRequests, "rate_limit_exceeded")]
    [InlineData("503", HttpStatusCode.ServiceUnavailable, "service_unavailable")]
    public async Task FailureSwitch_SetAtRuntime_ErrorWithRetryAfterThenClearedServesAgain(string mode, HttpStatusCode status, string code)
    {
        await using var server = await SimLlmServer.StartAsync();
        using var set = await server.PostAsync("/admin/failure", new { mode, retryAfterSeconds = 7 });
        Assert.Equal(mode, (await set.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("mode").GetString());

        using var failed = await server.PostAsync("/v1/chat/completions", Chat);
        Assert.Equal(status, failed.StatusCode);
        Assert.Equal("7", failed.Headers.RetryAfter?.ToString());
        Assert.Equal(code, (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(1, await server.TotalAsync("failuresInjected"));
        Assert.Equal(0, await server.TotalAsync("requests"));

        using var cleared = await server.PostAsync("/admin/failure", new { mode = "none" });
        using var served = await server.PostAsync("/v1/chat/completions", Chat);
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }

    [Fact]
    public async Task FailureMode_SetAtStart_503FromTheFirstRequest()
    {
        await using var server = await SimLlmServer.StartAsync("--failure-mode", "503");

        using var response = await server.PostAsync("/v1/completions", new { prompt = "hi" });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("503", (await server.Client.GetFromJsonAsync<JsonElement>("/admin/failure")).GetProperty("mode").GetString());
    }

    [Fact]
    public async Task Hang_AcceptsStreamHoldsSlotSendsNoTokenUntilClientLeaves()
    {
        await using var server = await SimLlmServer.StartAsync("--failure-mode", "hang-before-first-token");
        using var abort = new CancellationTokenSource();

        var response = await server.PostStreamingAsync("/v1/chat/completions", new { messages = new[] { new { role = "user", content = "hi" } }, stream = true }, abort.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = SseReader.DataAsync(response, abort.Token).GetAsyncEnumerator(abort.Token);
        var first = read.MoveNextAsync().AsTask();

        await server.UntilStatsAsync(s => s.GetProperty("running").GetInt32() == 1 && s.GetProperty("totals").GetProperty("failuresInjected").GetInt64() == 1, "the hung request holding a slot");
        var stats = await server.StatsAsync();
        Assert.False(first.IsCompleted, "the hung stream sent data");
        Assert.Equal(0, stats.GetProperty("totals").GetProperty("promptTokens").GetInt64());
        Assert.Equal(0, stats.GetProperty("totals").GetProperty("completionTokens").GetInt64());

        await abort.CancelAsync();
        response.Dispose();
        await Assert.ThrowsAnyAsync<Exception>(() => first);
        await read.DisposeAsync();
        await server.UntilStatsAsync(s => s.GetProperty("running").GetInt32() == 0, "the slot freed when the client left");
    }

    [Fact]
    public async Task Probability_SameSeed_SameRequestsFail()
    {
        await using var server = await SimLlmServer.StartAsync("--seed", "5");

        var first = await PatternAsync(server);
        var again = await PatternAsync(server);

        Assert.Equal(first, again);
        Assert.Contains('x', first);
        Assert.Contains('.', first);
    }

    [Theory]
    [InlineData("""{"mode":"500"}""", "mode")]
    [InlineData("""{"probability":2}""", "probability")]
    [InlineData("""{"retryAfterSeconds":"soon"}""", "retryAfterSeconds")]
    [InlineData("oops", "JSON")]
    public async Task FailureSwitch_BadBody_400NamingTheField(string body, string field)
    {
        await using var server = await SimLlmServer.StartAsync();

        using var response = await server.PostRawAsync("/admin/failure", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--max-num-seqs", "0")]
    [InlineData("--max-num-seqs", "many")]
    [InlineData("--time-scale", "-1")]
    [InlineData("--failure-mode", "sometimes")]
    [InlineData("--kv-cache-blocks", "0")]
    [InlineData("--models", ",")]
    public async Task InvalidOption_ExitCode2NamingTheOption(string option, string value)
    {
        await using var process = SimLlmServer.Start(["--urls", "http://127.0.0.1:0", option, value]);

        Assert.Equal(2, await process.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.Contains(option.TrimStart('-'), process.Output, StringComparison.Ordinal);
    }

    /// <summary>Twenty requests at probability 0.5 from a freshly set switch: x failed, . served.</summary>
    private static async Task<string> PatternAsync(SimLlmServer server)
    {
        using var set = await server.PostAsync("/admin/failure", new { mode = "429", probability = 0.5 });
        set.EnsureSuccessStatusCode();
        var pattern = "";
        for (var i = 0; i < 20; i++)
        {
            using var response = await server.PostAsync("/v1/completions", new { prompt = $"request {i}", max_tokens = 1 });
            pattern += response.StatusCode == HttpStatusCode.TooManyRequests ? 'x' : '.';
        }

        return pattern;
    }
}
