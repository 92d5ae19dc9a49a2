using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Mesh.Tests.SimLlm;

/// <summary>SimLLM's OpenAI surface: usage that matches its tokenizer, SSE framing, errors that name the field, models.</summary>
public sealed class SimLlmApiTests(SimLlmFixture fixture) : IClassFixture<SimLlmFixture>
{
    private SimLlmServer Server => fixture.Server;

    // The user's role token, "Hello , world ! How are you ?" (8 tokens), and the assistant's turn token.
    private const int HelloPromptTokens = 10;

    private static object HelloChat(int maxTokens, bool stream = false, string model = SimLlmServer.Model) => new
    {
        model,
        messages = new[] { new { role = "user", content = "Hello, world! How are you?" } },
        max_tokens = maxTokens,
        stream,
        stream_options = stream ? new { include_usage = true } : null,
    };

    [Fact]
    public async Task ChatCompletion_NonStreaming_UsageMatchesTokenizerAndStats()
    {
        var before = await Server.StatsAsync();

        using var response = await Server.PostAsync("/v1/chat/completions", HelloChat(7));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("chat.completion", body.GetProperty("object").GetString());
        var choice = body.GetProperty("choices").EnumerateArray().Single();
        Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal(HelloPromptTokens, usage.GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(HelloPromptTokens + 7, usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(7, Words(choice.GetProperty("message").GetProperty("content").GetString()!));

        var after = await Server.StatsAsync();
        Assert.Equal(1, Delta(before, after, "requests"));
        Assert.Equal(HelloPromptTokens, Delta(before, after, "promptTokens"));
        Assert.Equal(7, Delta(before, after, "completionTokens"));
    }

    [Fact]
    public async Task ChatCompletion_MaxCompletionTokensAndMaxTokens_TheNewerNameWins()
    {
        using var response = await Server.PostAsync("/v1/chat/completions",
            new { messages = new[] { new { role = "user", content = "hi" } }, max_tokens = 9, max_completion_tokens = 3 });
        var usage = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("usage");

        Assert.Equal(3, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(3, usage.GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Completion_NoMaxTokens_DeterministicLengthInDefaultRangeAndStop()
    {
        using var response = await Server.PostAsync("/v1/completions", new { model = SimLlmServer.Adapter, prompt = "The quick brown fox." });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text_completion", body.GetProperty("object").GetString());
        Assert.Equal(SimLlmServer.Adapter, body.GetProperty("model").GetString());
        var choice = body.GetProperty("choices").EnumerateArray().Single();
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        var usage = body.GetProperty("usage");
        Assert.Equal(5, usage.GetProperty("prompt_tokens").GetInt32());
        var completion = usage.GetProperty("completion_tokens").GetInt32();
        Assert.InRange(completion, 16, 128);
        Assert.Equal(completion, Words(choice.GetProperty("text").GetString()!));
    }

    [Fact]
    public async Task ChatCompletion_StreamingWithIncludeUsage_RoleContentFinishUsageThenDone()
    {
        using var response = await Server.PostStreamingAsync("/v1/chat/completions", HelloChat(5, stream: true));
        var events = new List<string>();
        await foreach (var data in SseReader.DataAsync(response))
        {
            events.Add(data);
        }

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, c => Assert.Equal("chat.completion.chunk", c.GetProperty("object").GetString()));
        Assert.Single(chunks.Select(c => c.GetProperty("id").GetString()).Distinct());
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());

        var content = string.Concat(chunks.Skip(1).SkipLast(2).Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal(5, chunks.Count - 3);
        Assert.Equal(5, Words(content));
        Assert.Equal("length", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var usageChunk = chunks[^1];
        Assert.Equal(0, usageChunk.GetProperty("choices").GetArrayLength());
        Assert.Equal(HelloPromptTokens, usageChunk.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(5, usageChunk.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(HelloPromptTokens + 5, usageChunk.GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public async Task Completion_StreamingWithoutIncludeUsage_NoUsageChunk()
    {
        using var response = await Server.PostStreamingAsync("/v1/completions", new { prompt = new[] { 1, 2, 3 }, max_tokens = 3, stream = true });
        var events = new List<string>();
        await foreach (var data in SseReader.DataAsync(response))
        {
            events.Add(data);
        }

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.Equal(4, chunks.Count);
        Assert.All(chunks, c => Assert.False(c.TryGetProperty("usage", out _)));
        Assert.Equal(3, Words(string.Concat(chunks.Select(c => c.GetProperty("choices")[0].GetProperty("text").GetString()))));
        Assert.Equal("length", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task SameRequest_SameServer_SameText()
    {
        var first = await ChatTextAsync(Server, HelloChat(12));
        var again = await ChatTextAsync(Server, HelloChat(12));
        var otherModel = await ChatTextAsync(Server, HelloChat(12, model: SimLlmServer.Adapter));

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherModel);
    }

    [Theory]
    [InlineData("/v1/chat/completions", "not json", "body")]
    [InlineData("/v1/chat/completions", "[1,2]", "body")]
    [InlineData("/v1/chat/completions", "{}", "messages")]
    [InlineData("/v1/chat/completions", """{"messages":"hi"}""", "messages")]
    [InlineData("/v1/chat/completions", """{"messages":[]}""", "messages")]
    [InlineData("/v1/chat/completions", """{"messages":[{"content":"hi"}]}""", "messages[0].role")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"a"},{"role":"user","content":7}]}""", "messages[1].content")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"max_tokens":"5"}""", "max_tokens")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"max_tokens":0}""", "max_tokens")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"max_completion_tokens":-1}""", "max_completion_tokens")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"stream":"yes"}""", "stream")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":1}}""", "stream_options.include_usage")]
    [InlineData("/v1/chat/completions", """{"messages":[{"role":"user","content":"hi"}],"model":5}""", "model")]
    [InlineData("/v1/completions", "{}", "prompt")]
    [InlineData("/v1/completions", """{"prompt":5}""", "prompt")]
    [InlineData("/v1/completions", """{"prompt":""}""", "prompt")]
    [InlineData("/v1/completions", """{"prompt":"hi","max_tokens":1000000000}""", "max_tokens")]
    [InlineData("/v1/embeddings", """{"input":{}}""", "input")]
    [InlineData("/v1/embeddings", "{}", "input")]
    public async Task BadBody_400NamingTheField(string path, string body, string field)
    {
        using var response = await Server.PostRawAsync(path, body);
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(field, error.GetProperty("param").GetString());
        if (field != "body")
        {
            Assert.Contains(field, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/completions")]
    [InlineData("/v1/embeddings")]
    public async Task UnknownModel_404ModelNotFound(string path)
    {
        using var response = await Server.PostAsync(path, new { model = "gpt-9", messages = new[] { new { role = "user", content = "hi" } }, prompt = "hi", input = "hi" });
        var error = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("model_not_found", error.GetProperty("code").GetString());
        Assert.Contains("gpt-9", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_ListsTheServedNames()
    {
        var models = await Server.Client.GetFromJsonAsync<JsonElement>("/v1/models");

        Assert.Equal("list", models.GetProperty("object").GetString());
        Assert.Equal(new[] { SimLlmServer.Model, SimLlmServer.Adapter }, models.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!));
        Assert.All(models.GetProperty("data").EnumerateArray(), m => Assert.Equal("model", m.GetProperty("object").GetString()));
    }

    [Fact]
    public async Task Embeddings_EqualTextsEqualVectorsUnitLengthAndUsage()
    {
        using var response = await Server.PostAsync("/v1/embeddings", new { input = new[] { "routes by prefix", "routes by prefix", "certificates rotate" } });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var vectors = body.GetProperty("data").EnumerateArray().Select(d => d.GetProperty("embedding").EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(vectors[0], vectors[1]);
        Assert.NotEqual(vectors[0], vectors[2]);
        Assert.Equal(1.0, Math.Sqrt(vectors[0].Sum(x => x * x)), 4);
        Assert.Equal(8, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    internal static async Task<string> ChatTextAsync(SimLlmServer server, object request)
    {
        using var response = await server.PostAsync("/v1/chat/completions", request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
    }

    /// <summary>SimLLM's output is words separated by single spaces: one token each.</summary>
    private static int Words(string text)
    {
        Assert.Matches("^[a-z]+( [a-z]+)*$", text);
        return text.Split(' ').Length;
    }

    private static long Delta(JsonElement before, JsonElement after, string total) =>
        after.GetProperty("totals").GetProperty(total).GetInt64() - before.GetProperty("totals").GetProperty(total).GetInt64();
}
