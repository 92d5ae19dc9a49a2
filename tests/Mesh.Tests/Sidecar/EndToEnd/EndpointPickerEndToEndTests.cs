using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.SimLlm;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// The prefix- and load-aware endpoint picker through a real sidecar process in front of real SimLLM replicas.
/// </summary>
public sealed class EndpointPickerEndToEndTests(ITestOutputHelper output)
{
    private const string Host = "llm";

    [Fact]
    public async Task PromptGroups_EachStaysOnOneReplica_AndItsLaterRequestsHitThePrefixCache()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var replicas = await Replicas.StartAsync(4);
        var client = await StartPickerMeshAsync(mesh, replicas);

        for (var group = 0; group < 3; group++)
        {
            var system = $"You are assistant number {group}. " + string.Join(' ', Enumerable.Range(0, 150).Select(i => $"rule{group}-{i}"));
            var homes = new HashSet<int>();
            for (var question = 0; question < 4; question++)
            {
                var before = await replicas.RequestCountsAsync();
                using var response = await ChatAsync(client, system, $"question {question} of group {group}");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                homes.Add(await replicas.WhichServedAsync(before));
                if (question > 0)
                {
                    var cached = int.Parse(response.Headers.GetValues("x-simllm-cached-tokens").Single(), CultureInfo.InvariantCulture);
                    Assert.True(cached > 100, $"group {group} question {question}: only {cached} prompt tokens were cached");
                }
            }

            Assert.Single(homes);
        }

        await Poll.UntilTrueAsync(() => Task.FromResult(client.Process.Output.Contains("\"pick_reason\":\"prefix-affinity\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "the access log never named the picker's reason");
    }

    [Fact]
    public async Task BusyReplica_ItsPromptGroupSpillsToAnother_ThenComesBackWhenItIsIdle()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        // Three replicas: with the default load bound of 2, a queue spills once it is more than 3 deeper than the average
        // of the others (p + 1 > 2 × (p / 3 + 1)); with two replicas the bound would always hold.
        await using var replicas = await Replicas.StartAsync(3, "--max-num-seqs", "2");
        var client = await StartPickerMeshAsync(mesh, replicas);
        var system = "You are a careful reviewer. " + string.Join(' ', Enumerable.Range(0, 150).Select(i => $"policy-{i}"));

        var before = await replicas.RequestCountsAsync();
        using (var first = await ChatAsync(client, system, "first"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var home = await replicas.WhichServedAsync(before);
        var busy = replicas[home];
        // Fill the home replica: two hung requests hold its two slots, four more wait in its queue.
        Assert.True((await busy.Client.PostAsJsonAsync("/admin/failure", new { mode = "hang-before-first-token" })).IsSuccessStatusCode);
        using var hold = new CancellationTokenSource();
        var hung = Enumerable.Range(0, 6).Select(i => busy.PostStreamingAsync("/v1/chat/completions", new
        {
            model = SimLlmServer.Model,
            stream = true,
            messages = new[] { new { role = "user", content = $"occupy {i}" } },
        }, hold.Token)).ToList();
        var endpoint = $"endpoint=\"127.0.0.1:{busy.BaseAddress.Port}\",signal=\"waiting\"";
        await Poll.UntilTrueAsync(async () => (await client.MetricsAsync()).Split('\n').Any(l => l.Contains(endpoint, StringComparison.Ordinal) && l.EndsWith(" 4", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), () => "the sidecar never saw the busy replica's queue");

        before = await replicas.RequestCountsAsync();
        using (var spilled = await ChatAsync(client, system, "while busy"))
        {
            Assert.Equal(HttpStatusCode.OK, spilled.StatusCode);
        }

        Assert.NotEqual(home, await replicas.WhichServedAsync(before));
        await Poll.UntilTrueAsync(() => Task.FromResult(client.Process.Output.Contains("\"pick_reason\":\"prefix-spill\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "the access log never named the spill");

        // The two admitted streams already have their headers; ending them is disposing them. The queued four are cancelled.
        await hold.CancelAsync();
        foreach (var request in hung)
        {
            try
            {
                (await request).Dispose();
            }
            catch (OperationCanceledException)
            {
            }
        }

        Assert.True((await busy.Client.PostAsJsonAsync("/admin/failure", new { mode = "none" })).IsSuccessStatusCode);
        var idle = $"endpoint=\"127.0.0.1:{busy.BaseAddress.Port}\",signal=\"running\"";
        await Poll.UntilTrueAsync(async () => (await client.MetricsAsync()).Split('\n').Any(l => l.Contains(idle, StringComparison.Ordinal) && l.EndsWith(" 0", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(20), () => "the sidecar never saw the replica go idle");
        before = await replicas.RequestCountsAsync();
        using (var back = await ChatAsync(client, system, "after"))
        {
            Assert.Equal(HttpStatusCode.OK, back.StatusCode);
        }

        Assert.Equal(home, await replicas.WhichServedAsync(before));
    }

    [Fact]
    public async Task InferencePool_ItsLabelledServersArePickedByPrefix_AndAVirtualServiceRoutesAModelToIt()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var replicas = await Replicas.StartAsync(3);
        // Three servers register as service "vllm"; the pool takes the two labelled for the model, not the third.
        await mesh.AddServiceAsync("vllm", 8000, replicas.Take(2).Select(s => s.BaseAddress.Port));
        await mesh.Silo.Admin.RegisterAsync(new Mesh.Contracts.Domains.EndpointRegistration
        {
            Service = "vllm",
            Address = "127.0.0.1",
            Port = replicas[2].BaseAddress.Port,
            Labels = new Dictionary<string, string> { ["app"] = "other-model" },
        });
        await mesh.ApplyAsync(IstioResources.Resource("inference.networking.k8s.io/v1", "InferencePool", "llm-pool", new
        {
            selector = new { matchLabels = new Dictionary<string, string> { ["app"] = "vllm" } },
            targetPorts = new[] { new { number = 8000 } },
            endpointPickerRef = new { name = "llm-epp", port = new { number = 9002 } },
        }));
        await mesh.ApplyAsync(IstioResources.Resource("networking.istio.io/v1", "VirtualService", "vllm", new
        {
            hosts = new[] { "vllm" },
            http = new object[]
            {
                new
                {
                    match = new[] { new { headers = new Dictionary<string, object> { ["x-mesh-model"] = new { exact = SimLlmServer.Model } } } },
                    route = new[] { new { destination = new { host = "llm-pool", port = new { number = 8000 } } } },
                },
            },
        }));
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);

        var system = "You are the pool's assistant. " + string.Join(' ', Enumerable.Range(0, 150).Select(i => $"pool-rule-{i}"));
        var homes = new HashSet<int>();
        for (var question = 0; question < 4; question++)
        {
            var before = await replicas.RequestCountsAsync();
            using var response = await ChatAsync(client, system, $"pool question {question}", "vllm");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            homes.Add(await replicas.WhichServedAsync(before));
        }

        Assert.Single(homes);
        Assert.NotEqual(2, homes.Single());
        await Poll.UntilTrueAsync(() => Task.FromResult(client.Process.Output.Contains("\"pick_reason\":\"prefix-affinity\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "the access log never named the picker's reason for the pool");
    }

    private static async Task<SidecarProcess> StartPickerMeshAsync(MeshTestBed mesh, Replicas replicas)
    {
        await mesh.AddServiceAsync(Host, 8000, replicas.Select(s => s.BaseAddress.Port));

        await mesh.ApplyAsync(IstioResources.DestinationRule(Host, new { host = Host },
            new Dictionary<string, string> { ["inference.mesh.dev/endpoint-picker"] = "prefix-aware" }));
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);
        return client;
    }

    private static Task<HttpResponseMessage> ChatAsync(SidecarProcess client, string system, string user, string host = Host) =>
        client.Proxy.PostAsJsonAsync($"http://{host}:8000/v1/chat/completions", new
        {
            model = SimLlmServer.Model,
            max_tokens = 4,
            messages = new[] { new { role = "system", content = system }, new { role = "user", content = user } },
        });

    /// <summary>SimLLM replicas, and which of them served a request (from their own request counts).</summary>
    private sealed class Replicas : List<SimLlmServer>, IAsyncDisposable
    {
        public static async Task<Replicas> StartAsync(int count, params string[] args)
        {
            var replicas = new Replicas();
            try
            {
                foreach (var server in await Task.WhenAll(Enumerable.Range(0, count).Select(_ => SimLlmServer.StartAsync(args))))
                {
                    replicas.Add(server);
                }

                return replicas;
            }
            catch
            {
                await replicas.DisposeAsync();
                throw;
            }
        }

        public async Task<long[]> RequestCountsAsync() => await Task.WhenAll(this.Select(r => r.TotalAsync("requests")));

        public async Task<int> WhichServedAsync(long[] before)
        {
            var after = await RequestCountsAsync();
            var served = Enumerable.Range(0, Count).Where(i => after[i] > before[i]).ToList();
            Assert.Single(served);
            return served[0];
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var replica in this)
            {
                await replica.DisposeAsync();
            }
        }
    }
}
