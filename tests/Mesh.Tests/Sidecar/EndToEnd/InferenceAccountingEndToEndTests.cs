using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mesh.Contracts.Domains;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.SimLlm;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Token accounting through a real client sidecar in front of SimLLM: the sidecar asks for streamed usage when the
/// client did not, hides that chunk from the client, and counts the tokens into the access log and the GenAI metrics,
/// which must equal SimLLM's own ground truth.
/// </summary>
public sealed class InferenceAccountingEndToEndTests(ITestOutputHelper output)
{
    private const string Host = "llm";
    private const string ChatUrl = $"http://{Host}:8000/v1/chat/completions";
    private const string InjectedMember = "\"stream_options\":{\"include_usage\":true},";

    [Fact]
    public async Task StreamWithoutUsage_ClientGetsEveryChunkButNotTheInjectedUsage_SidecarCountsGroundTruth()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var llm = await SimLlmServer.StartAsync();
        var client = await StartClientAsync(mesh, llm.BaseAddress.Port);

        var chunks = await StreamAsync(client, new { model = SimLlmServer.Model, stream = true, max_tokens = 12, messages = Messages("Hello, world!") });

        // Role chunk, one per token, the finish chunk, then [DONE]; nothing with usage.
        Assert.Equal("[DONE]", chunks[^1]);
        Assert.Equal(12 + 2, chunks.Count - 1);
        Assert.All(chunks[..^1], c => Assert.NotEqual(JsonValueKind.Object, Usage(c).ValueKind));
        Assert.Equal(12, chunks.Count(c => c != "[DONE]" && Delta(c) is { Length: > 0 }));

        var (prompt, completion) = await GroundTruthAsync(llm, 1);
        Assert.Equal(6, prompt);
        Assert.Equal(12, completion);
        await AssertCountedAsync(client, "chat", prompt, completion);
        var labels = Labels("chat");
        var metrics = await client.MetricsAsync();
        Assert.Contains($"gen_ai_server_time_to_first_token_seconds_count{{{labels}}} 1\n", metrics);
        Assert.Contains($"gen_ai_server_time_per_output_token_seconds_count{{{labels}}} 1\n", metrics);
    }

    [Fact]
    public async Task StreamWithClientUsage_ClientStillReceivesItsUsageChunk_AndItIsCounted()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var llm = await SimLlmServer.StartAsync();
        var client = await StartClientAsync(mesh, llm.BaseAddress.Port);

        var chunks = await StreamAsync(client, new
        {
            model = SimLlmServer.Model, stream = true, stream_options = new { include_usage = true }, max_tokens = 7, messages = Messages("count me"),
        });

        Assert.Equal("[DONE]", chunks[^1]);
        var usage = Usage(chunks[^2]);
        Assert.Equal(7, usage.GetProperty("completion_tokens").GetInt64());
        var (prompt, completion) = await GroundTruthAsync(llm, 1);
        Assert.Equal(prompt, usage.GetProperty("prompt_tokens").GetInt64());
        await AssertCountedAsync(client, "chat", prompt, completion);
    }

    [Fact]
    public async Task NonStreaming_UsageIsReadFromTheJsonBody()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var llm = await SimLlmServer.StartAsync();
        var client = await StartClientAsync(mesh, llm.BaseAddress.Port);

        using var response = await client.Proxy.PostAsJsonAsync($"http://{Host}:8000/v1/completions", new { model = SimLlmServer.Model, prompt = "one two three", max_tokens = 9 });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(9, body.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
        var (prompt, completion) = await GroundTruthAsync(llm, 1);
        await AssertCountedAsync(client, "text_completion", prompt, completion);
    }

    [Fact]
    public async Task Embeddings_InputTokensAreCounted_NothingIsInjected()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var llm = await SimLlmServer.StartAsync();
        var client = await StartClientAsync(mesh, llm.BaseAddress.Port);

        using var response = await client.Proxy.PostAsJsonAsync($"http://{Host}:8000/v1/embeddings", new { model = SimLlmServer.Model, input = "Hello, world!" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var tokens = await llm.TotalAsync("embeddingTokens");
        Assert.Equal(4, tokens);
        await client.WaitForMetricAsync($"gen_ai_client_token_usage_sum{{{Labels("embeddings")},gen_ai_token_type=\"input\"}} {tokens}\n");
        var log = await AccessLogLineAsync(client, 200);
        Assert.Equal(tokens, log.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(JsonValueKind.Null, log.GetProperty("completion_tokens").ValueKind);
    }

    [Fact]
    public async Task SlowStream_FirstContentChunkReachesTheClientWhileTheUpstreamIsStillGenerating()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        // 40 tokens at 500 ms each: the stream runs for 20 s, far longer than a chunk takes to cross the sidecar.
        await using var llm = await SimLlmServer.StartAsync("--time-scale", "1", "--overhead-ms", "1", "--inter-token-ms", "500");
        var client = await StartClientAsync(mesh, llm.BaseAddress.Port);

        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var request = new HttpRequestMessage(HttpMethod.Post, ChatUrl)
        {
            Content = JsonContent.Create(new { model = SimLlmServer.Model, stream = true, max_tokens = 40, messages = Messages("slow") }),
        };
        using var response = await client.Proxy.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        string? firstContent = null;
        await foreach (var data in SseReader.DataAsync(response, cancel.Token))
        {
            if (Delta(data) is { Length: > 0 } text)
            {
                firstContent = text;
                break;
            }
        }

        Assert.NotNull(firstContent);
        var stats = await llm.StatsAsync();
        Assert.Equal(1, stats.GetProperty("running").GetInt32());
        Assert.Equal(0, stats.GetProperty("totals").GetProperty("finishedRequests").GetInt64());
    }

    [Fact]
    public async Task UpstreamFailure_IsPassedThroughUnchanged()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var llm = await SimLlmServer.StartAsync("--failure-mode", "503");
        var client = await StartClientAsync(mesh, llm.BaseAddress.Port);

        using var direct = await llm.PostAsync("/v1/chat/completions", new { stream = true, messages = Messages("x") });
        using var proxied = await client.Proxy.PostAsJsonAsync(ChatUrl, new { stream = true, messages = Messages("x") });

        Assert.Equal(HttpStatusCode.ServiceUnavailable, proxied.StatusCode);
        Assert.Equal(await direct.Content.ReadAsStringAsync(), await proxied.Content.ReadAsStringAsync());
        var log = await AccessLogLineAsync(client, 503);
        // The whole body is held by the sidecar, so Istio's default retry policy (503, two attempts) applies; once
        // exhausted, the upstream's own 503 passes through unchanged, flagged URX as Envoy does.
        Assert.Equal("URX", log.GetProperty("response_flags").GetString());
        Assert.Equal(2, log.GetProperty("retries").GetInt32());
        Assert.Equal(JsonValueKind.Null, log.GetProperty("prompt_tokens").ValueKind);
        await client.WaitForMetricAsync("gen_ai_client_operation_duration_seconds_count{gen_ai_operation_name=\"chat\",gen_ai_request_model=\"unknown\",gen_ai_response_model=\"unknown\",destination_service=\"llm.default.svc.cluster.local\",error_type=\"503\"} 1");
    }

    [Fact]
    public async Task NonJsonReplyToAStreamedRequest_PassesUnchanged_AndTheUpstreamGotTheBodyWithUsageAskedFor()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var upstream = await mesh.StartUpstreamAsync("v1");
        await mesh.AddServiceAsync(Host, 8000, upstream);
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);
        const string Body = """{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}""";
        var expected = Encoding.UTF8.GetBytes("{" + InjectedMember + Body[1..]);

        using var content = new StringContent(Body, Encoding.UTF8, "application/json");
        using var response = await client.Proxy.PostAsync(ChatUrl, content);

        // Content-Length grew with the injected member, so the upstream read exactly the rewritten body.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"v1 received {expected.Length} sha256 {Convert.ToHexStringLower(SHA256.HashData(expected))}", await response.Content.ReadAsStringAsync());
        var log = await AccessLogLineAsync(client, 200);
        Assert.Equal("m", log.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, log.GetProperty("completion_tokens").ValueKind);
    }

    private static object[] Messages(string text) => [new { role = "user", content = text }];

    private static async Task<SidecarProcess> StartClientAsync(MeshTestBed mesh, int simLlmPort)
    {
        await mesh.Silo.Admin.PutServiceAsync(TestResources.Service(Host, 8000));
        await mesh.Silo.Admin.RegisterAsync(new EndpointRegistration
        {
            Service = Host,
            Address = "127.0.0.1",
            Port = simLlmPort,
            Labels = new Dictionary<string, string> { ["version"] = "v1", ["app"] = Host },
        });
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);
        return client;
    }

    private static async Task<List<string>> StreamAsync(SidecarProcess client, object body)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var request = new HttpRequestMessage(HttpMethod.Post, ChatUrl) { Content = JsonContent.Create(body) };
        using var response = await client.Proxy.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var chunks = new List<string>();
        await foreach (var data in SseReader.DataAsync(response, cancel.Token))
        {
            chunks.Add(data);
        }

        return chunks;
    }

    private static JsonElement Usage(string data)
    {
        using var document = JsonDocument.Parse(data);
        return document.RootElement.TryGetProperty("usage", out var usage) ? usage.Clone() : default;
    }

    private static string? Delta(string data)
    {
        using var document = JsonDocument.Parse(data);
        var choices = document.RootElement.GetProperty("choices");
        return choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : null;
    }

    private static async Task<(long Prompt, long Completion)> GroundTruthAsync(SimLlmServer llm, long finished)
    {
        await llm.UntilStatsAsync(s => s.GetProperty("totals").GetProperty("finishedRequests").GetInt64() == finished, $"{finished} finished requests");
        return (await llm.TotalAsync("promptTokens"), await llm.TotalAsync("completionTokens"));
    }

    private static async Task AssertCountedAsync(SidecarProcess client, string operation, long prompt, long completion)
    {
        var labels = Labels(operation);
        await client.WaitForMetricAsync($"gen_ai_client_token_usage_sum{{{labels},gen_ai_token_type=\"input\"}} {prompt}\n");
        await client.WaitForMetricAsync($"gen_ai_client_token_usage_sum{{{labels},gen_ai_token_type=\"output\"}} {completion}\n");
        await client.WaitForMetricAsync($"gen_ai_client_operation_duration_seconds_count{{{labels}}} 1\n");
        var log = await AccessLogLineAsync(client, 200);
        Assert.Equal(SimLlmServer.Model, log.GetProperty("model").GetString());
        Assert.Equal(prompt, log.GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(completion, log.GetProperty("completion_tokens").GetInt64());
    }

    private static string Labels(string operation) =>
        $"gen_ai_operation_name=\"{operation}\",gen_ai_request_model=\"{SimLlmServer.Model}\",gen_ai_response_model=\"{SimLlmServer.Model}\",destination_service=\"llm.default.svc.cluster.local\"";

    /// <summary>The access-log line of the (only) inference request answered with <paramref name="status"/>.</summary>
    private static async Task<JsonElement> AccessLogLineAsync(SidecarProcess client, int status)
    {
        var marker = $"\"response_code\":{status.ToString(CultureInfo.InvariantCulture)},";
        var line = await Poll.UntilAsync(
            () => Task.FromResult(client.Process.Output.Split('\n').FirstOrDefault(l => l.Contains("\"path\":\"/v1/", StringComparison.Ordinal) && l.Contains(marker, StringComparison.Ordinal))),
            TimeSpan.FromSeconds(10), () => $"no access-log line with {marker}:\n{client.Process.Output}");
        using var document = JsonDocument.Parse(line[line.IndexOf('{', StringComparison.Ordinal)..]);
        return document.RootElement.Clone();
    }
}
