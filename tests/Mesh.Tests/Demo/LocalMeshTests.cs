using System.Globalization;
using System.Text.Json;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Mesh.Tests.Cli;
using Mesh.Tests.Infrastructure;
using Xunit;
using Xunit.Abstractions;

namespace Mesh.Tests.Demo;

/// <summary>
/// The README's first command, run as a person would (headless): <c>deploy/local/up.sh</c> brings up PostgreSQL, three
/// silos, the demo AI app behind sidecars and the ingress gateway; a token stream crosses ingress -> ranker -> model;
/// a gRPC call crosses ingress -> the tokenizer's gRPC port; the canary scenario's YAML splits the model traffic 90/10;
/// the AI pool answers the OpenAI API through the ingress (whole and streamed) and its scenario shows model routing,
/// prefix affinity, fallback and a token limit; the egress scenario sends the model's calls to an HTTPS provider
/// through the egress gateway; SIGINT stops every process it started.
/// </summary>
public sealed class LocalMeshTests(ITestOutputHelper output)
{
    private const int CanaryRequests = 300;

    [Fact]
    public async Task UpScript_Headless_StreamsThroughIngressSplitsCanaryAndStopsEverythingOnSigint()
    {
        await using var mesh = LocalMeshProcess.Start();
        try
        {
            var ready = await mesh.Script.WaitForOutputAsync("READY ingress=", TimeSpan.FromSeconds(180));
            output.WriteLine(ready);
            using var client = new HttpClient { BaseAddress = mesh.Ingress, Timeout = TimeSpan.FromSeconds(30) };

            await AssertTokensStreamAsync(client);
            await AssertGrpcThroughIngressAsync(mesh);
            await AssertCanarySplitAsync(mesh, client);
            await AssertAiPoolAsync(mesh, client);
            await AssertEgressScenarioAsync(mesh, client);
            await AssertSigintStopsEverythingAsync(mesh);
        }
        catch
        {
            output.WriteLine(mesh.Script.Output);
            throw;
        }
    }

    [Fact]
    public async Task UpScript_DownScriptFromAnotherTerminal_StopsEverythingAndUpExits()
    {
        await using var mesh = LocalMeshProcess.Start();
        await mesh.Script.WaitForOutputAsync("READY ingress=", TimeSpan.FromSeconds(180));
        var started = mesh.RecordedProcesses();

        await using (var down = ManagedProcess.Start("down.sh", "bash", [Path.Combine(MeshPaths.RepositoryRoot, "deploy/local/down.sh")],
            new Dictionary<string, string?> { ["MESH_STATE_DIR"] = mesh.StateDirectory }))
        {
            Assert.Equal(0, await down.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }

        Assert.Equal(0, await mesh.Script.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        Assert.True(started.All(p => !LocalMeshProcess.IsRunning(p.Pid)),
            $"still running after down.sh: {string.Join(", ", started.Where(p => LocalMeshProcess.IsRunning(p.Pid)))}");
        var busy = LocalMeshProcess.PortOffsets.Select(o => mesh.BasePort + o).Where(p => !TestPorts.IsFree(p)).ToList();
        Assert.True(busy.Count == 0, $"ports still bound after down.sh: {string.Join(", ", busy)}");
    }

    /// <summary>Reads the SSE stream event by event: tokens arrive one per event, then a done event, all from one trace.</summary>
    private static async Task AssertTokensStreamAsync(HttpClient client)
    {
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        using var request = new HttpRequestMessage(HttpMethod.Get, "/generate?prompt=the+sidecar&maxTokens=12");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var tokens = new List<string>();
        JsonElement? done = null;
        string? eventName = null;
        while (done is null && await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                eventName = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonDocument.Parse(line[6..]).RootElement.Clone();
                if (eventName == "token")
                {
                    Assert.Equal(tokens.Count, data.GetProperty("index").GetInt32());
                    Assert.Equal("v1", data.GetProperty("version").GetString());
                    tokens.Add(data.GetProperty("token").GetString()!);
                }
                else if (eventName == "done")
                {
                    done = data;
                }
            }
        }

        Assert.Equal(12, tokens.Count);
        Assert.NotNull(done);
        Assert.Equal(12, done.Value.GetProperty("tokens").GetInt32());
        Assert.All(tokens, t => Assert.Contains(t, done.Value.GetProperty("text").GetString(), StringComparison.Ordinal));

        // The model saw the client's trace: ingress -> ranker's sidecar -> ranker (copies traceparent) -> model's sidecar.
        var seen = done.Value.GetProperty("traceparent").GetString()!;
        Assert.True(seen.Contains(traceId, StringComparison.Ordinal), $"the model saw traceparent '{seen}', not trace {traceId}");
        Assert.DoesNotContain("00f067aa0ba902b7", seen, StringComparison.Ordinal);
    }

    /// <summary>
    /// gRPC as a client sends it (h2c with prior knowledge) to the ingress, routed by the gateway's tokenizer-grpc route
    /// to the tokenizer's port 9090, whose Sidecar ingress listener hands it to the app's HTTP/2 port; the tokenizer's
    /// sidecar counts it as a gRPC request.
    /// </summary>
    private static async Task AssertGrpcThroughIngressAsync(LocalMeshProcess mesh)
    {
        using var channel = GrpcChannel.ForAddress(mesh.Ingress);
        var health = new Grpc.Health.V1.Health.HealthClient(channel);
        var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(15));
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{mesh.TokenizerAdminPort}/metrics");
        Assert.Contains(metrics.Split('\n'), l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal)
            && l.Contains("reporter=\"destination\"", StringComparison.Ordinal)
            && l.Contains("request_protocol=\"grpc\"", StringComparison.Ordinal)
            && l.Contains("response_code=\"200\"", StringComparison.Ordinal));
    }

    /// <summary>Applies the canary scenario's VirtualService with the real meshctl and counts versions through the ingress.</summary>
    private async Task AssertCanarySplitAsync(LocalMeshProcess mesh, HttpClient client)
    {
        var canary = Path.Combine(MeshPaths.RepositoryRoot, "deploy/local/scenarios/canary/virtual-service.yaml");
        var applied = await new Meshctl(mesh.Silo, mesh.AdminToken).RunAsync("apply", "-f", canary);
        Assert.True(applied.ExitCode == 0, applied.ToString());
        await WaitUntilRankerRunsSiloRevisionAsync(mesh);

        var versions = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < CanaryRequests; i++)
        {
            using var response = await client.GetAsync("/generate?prompt=hello&maxTokens=1");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"request {i}: {(int)response.StatusCode} {body}");
            var version = response.Headers.GetValues("x-model-version").Single();
            versions[version] = versions.GetValueOrDefault(version) + 1;
        }

        output.WriteLine($"canary over {CanaryRequests}: {string.Join(", ", versions.Select(v => $"{v.Key}={v.Value}"))}");
        var v2Share = versions.GetValueOrDefault("v2") / (double)CanaryRequests;

        // The sidecar draws each request's destination at random: over 300 the v2 share has a binomial sd of 1.7 points,
        // so 3%..18% is more than 4 sd either side of 10% (a false failure about once in 20,000 runs), while 0% (no
        // canary) or 50% (no weights) are far outside.
        Assert.InRange(v2Share, 0.03, 0.18);
        Assert.Equal(CanaryRequests, versions.GetValueOrDefault("v1") + versions.GetValueOrDefault("v2"));
    }

    /// <summary>
    /// The AI pool as a user meets it: a chat completion through the ingress (usage counted), a streamed one (chunks,
    /// then [DONE]), then deploy/local/scenarios/ai.sh with every outcome it checks.
    /// </summary>
    private async Task AssertAiPoolAsync(LocalMeshProcess mesh, HttpClient client)
    {
        const string body = "{\"model\":\"llama-3-8b\",\"max_tokens\":6,\"messages\":[{\"role\":\"user\",\"content\":\"hello pool\"}]}";
        using (var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(200, (int)response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal(6, json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        }

        var streamed = body.Replace("\"max_tokens\"", "\"stream\":true,\"max_tokens\"", StringComparison.Ordinal);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(streamed, System.Text.Encoding.UTF8, "application/json") })
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            var events = new List<string>();
            await foreach (var data in Mesh.Tests.SimLlm.SseReader.DataAsync(response))
            {
                events.Add(data);
            }

            Assert.True(events.Count >= 3, $"only {events.Count} events");
            Assert.Equal("[DONE]", events[^1]);
        }

        var (exitCode, text) = await mesh.RunScenarioAsync("ai.sh", TimeSpan.FromSeconds(180));
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"ai.sh exited {exitCode}");
        Assert.Contains("ok: every llama-3-8b-v2 request answered by llm-v2", text, StringComparison.Ordinal);
        Assert.Contains("ok: the prompt group stayed on one server", text, StringComparison.Ordinal);
        Assert.Contains("ok: all four answered 200 while", text, StringComparison.Ordinal);
        Assert.Contains("ok: the gateway answered 429 with Retry-After once the budget was spent", text, StringComparison.Ordinal);
        Assert.DoesNotContain("NOT SEEN", text, StringComparison.Ordinal);
    }

    /// <summary>
    /// deploy/local/scenarios/egress.sh, then what it set up: the model's question reaches the HTTPS provider only
    /// through the egress gateway (which reports the external host), the ranker is refused at the gateway, and with
    /// REGISTRY_ONLY a host without a ServiceEntry is refused at the model's own sidecar.
    /// </summary>
    private async Task AssertEgressScenarioAsync(LocalMeshProcess mesh, HttpClient client)
    {
        var (exitCode, text) = await mesh.RunScenarioAsync("egress.sh", TimeSpan.FromSeconds(120));
        output.WriteLine(text);
        Assert.True(exitCode == 0, $"egress.sh exited {exitCode}");

        using var answer = await client.GetAsync("/ask?prompt=which+way+out&maxTokens=4");
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"/ask: {(int)answer.StatusCode} {body}");
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal("provider-large", json.GetProperty("model").GetString());
        Assert.False(string.IsNullOrWhiteSpace(json.GetProperty("text").GetString()), body);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var gatewayMetrics = await http.GetStringAsync($"http://127.0.0.1:{mesh.EgressGatewayAdminPort}/metrics");
        Assert.Contains(gatewayMetrics.Split('\n'), l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal)
            && l.Contains("destination_service=\"api.provider.example\"", StringComparison.Ordinal)
            && l.Contains("response_code=\"200\"", StringComparison.Ordinal));

        Assert.Equal(403, await StatusThroughSidecarAsync(mesh.BasePort + 52, "http://api.provider.example/v1/models"));
        Assert.Equal(502, await StatusThroughSidecarAsync(mesh.BasePort + 22, "http://api.unlisted.example/v1/models"));
    }

    /// <summary>A call as the workload makes it: through its sidecar's outbound port, used as the HTTP proxy.</summary>
    private static async Task<int> StatusThroughSidecarAsync(int outboundPort, string url)
    {
        using var handler = new SocketsHttpHandler { Proxy = new System.Net.WebProxy($"http://127.0.0.1:{outboundPort}"), UseProxy = true };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) };
        using var response = await http.GetAsync(url);
        return (int)response.StatusCode;
    }

    private static async Task WaitUntilRankerRunsSiloRevisionAsync(LocalMeshProcess mesh)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var siloRevision = Metric(await http.GetStringAsync(new Uri(mesh.Silo, "/metrics")), "mesh_silo_revision");
        await Poll.UntilTrueAsync(
            async () => Metric(await http.GetStringAsync($"http://127.0.0.1:{mesh.RankerAdminPort}/metrics"), "mesh_sidecar_config_revision") >= siloRevision,
            TimeSpan.FromSeconds(20), () => $"the ranker's sidecar never reached revision {siloRevision}");
    }

    private static async Task AssertSigintStopsEverythingAsync(LocalMeshProcess mesh)
    {
        var started = mesh.RecordedProcesses();
        Assert.Contains(started, p => p.Name == "ingressgateway");
        Assert.True(started.Count(p => p.Name.StartsWith("silo-", StringComparison.Ordinal)) == (started.Any(p => p.Name == "postgres") ? 3 : 1),
            string.Join(", ", started));

        await mesh.SignalAsync("INT");
        Assert.Equal(130, await mesh.Script.WaitForExitAsync(TimeSpan.FromSeconds(60)));

        await Poll.UntilTrueAsync(() => Task.FromResult(started.All(p => !LocalMeshProcess.IsRunning(p.Pid))), TimeSpan.FromSeconds(20),
            () => $"still running after SIGINT: {string.Join(", ", started.Where(p => LocalMeshProcess.IsRunning(p.Pid)))}");
        var busy = LocalMeshProcess.PortOffsets.Select(o => mesh.BasePort + o).Where(p => !TestPorts.IsFree(p)).ToList();
        Assert.True(busy.Count == 0, $"ports still bound after SIGINT: {string.Join(", ", busy)}");
        Assert.False(File.Exists(Path.Combine(mesh.StateDirectory, "pids")), "the pids file outlived the mesh");
        Assert.Contains("local mesh stopped", mesh.Script.Output, StringComparison.Ordinal);
    }

    private static double Metric(string text, string name) =>
        text.Split('\n').Where(l => l.StartsWith(name + " ", StringComparison.Ordinal))
            .Select(l => double.Parse(l[(name.Length + 1)..], CultureInfo.InvariantCulture)).DefaultIfEmpty(-1).First();
}
