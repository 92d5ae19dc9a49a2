using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Model-aware routing through real sidecar processes: the sidecar reads <c>model</c> from an OpenAI-style body,
/// exposes it as <c>x-mesh-model</c> for ordinary VirtualService header matches, and forwards the body unchanged.
/// </summary>
public sealed class ModelRoutingEndToEndTests(ITestOutputHelper output)
{
    private const string Host = "llm";

    [Fact]
    public async Task HeaderMatchOnModel_RoutesEachModelToItsSubset_EvenWhenModelComesAfterTheMessages()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var client = await StartLlmMeshAsync(mesh, new
        {
            hosts = new[] { Host },
            http = new object[]
            {
                new
                {
                    match = new[] { new { headers = new Dictionary<string, object> { ["x-mesh-model"] = new { exact = "mistral-7b" } } } },
                    route = new[] { new { destination = new { host = Host, subset = "v2" } } },
                },
                new { route = new[] { new { destination = new { host = Host, subset = "v1" } } } },
            },
        });

        var mistral = Body("""{"messages":[{"role":"user","content":"a \"quoted\" {brace} [bracket]"}],"model":"mistral-7b","stream":false}""");
        var llama = Body("""{"model":"llama-3-8b","messages":[{"role":"user","content":"hello"}]}""");

        Assert.StartsWith("v2 received", await PostAsync(client, mistral));
        Assert.StartsWith("v1 received", await PostAsync(client, llama));
        // The upstream saw every byte the client sent, in order.
        Assert.Equal($"v2 received {mistral.Length} sha256 {Sha256(mistral)}", await PostAsync(client, mistral));
    }

    [Fact]
    public async Task ModelCanary_75To25ForOneModel_OtherModelsUntouched()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var client = await StartLlmMeshAsync(mesh, new
        {
            hosts = new[] { Host },
            http = new object[]
            {
                new
                {
                    match = new[] { new { headers = new Dictionary<string, object> { ["x-mesh-model"] = new { prefix = "llama-3" } } } },
                    route = new object[]
                    {
                        new { destination = new { host = Host, subset = "v1" }, weight = 75 },
                        new { destination = new { host = Host, subset = "v2" }, weight = 25 },
                    },
                },
                new { route = new[] { new { destination = new { host = Host, subset = "v1" } } } },
            },
        });

        var canary = 0;
        const int Requests = 200;
        for (var i = 0; i < Requests; i++)
        {
            if ((await PostAsync(client, Body("""{"model":"llama-3-8b","prompt":"hi"}"""))).StartsWith("v2", StringComparison.Ordinal))
            {
                canary++;
            }
        }

        // Binomial(200, 0.25): standard deviation 6.1 requests; the range is more than three of them either side.
        Assert.InRange(canary, 30, 70);
        for (var i = 0; i < 20; i++)
        {
            Assert.StartsWith("v1", await PostAsync(client, Body("""{"model":"phi-3","prompt":"hi"}""")));
        }
    }

    [Fact]
    public async Task FiftyMegabyteBody_RoutesByModel_ArrivesWhole_SidecarDoesNotBufferIt()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var client = await StartLlmMeshAsync(mesh, ModelToV2("big-model"));
        var rssBefore = RssBytes(client.Process.Id);

        const long ContentBytes = 50L * 1024 * 1024;
        using var content = new StreamContent(new GeneratedBody("""{"model":"big-model","messages":[{"role":"user","content":" """, ContentBytes, """ "}]}"""));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.Proxy.PostAsync($"http://{Host}:8000/v1/chat/completions", content);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var expected = GeneratedBody.Materialize("""{"model":"big-model","messages":[{"role":"user","content":" """, ContentBytes, """ "}]}""");
        Assert.Equal($"v2 received {expected.Length} sha256 {Sha256(expected)}", text);
        // A buffered body would cost the sidecar at least its 50 MB; streaming it costs a few buffers.
        var growth = RssBytes(client.Process.Id) - rssBefore;
        Assert.True(growth < 30L * 1024 * 1024, $"the sidecar's RSS grew by {growth / (1024 * 1024)} MB while forwarding a 50 MB body");
    }

    [Fact]
    public async Task ModelBeyondTheInspectedPrefix_IsNotRouted_BodyStillForwardedWhole()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var client = await StartLlmMeshAsync(mesh, ModelToV2("late-model"));
        // 200 KB of messages before the model: past the default 64 KB the sidecar reads, so the default route applies.
        var late = Body("{\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 200 * 1024) + "\"}],\"model\":\"late-model\"}");

        Assert.Equal($"v1 received {late.Length} sha256 {Sha256(late)}", await PostAsync(client, late));
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("""{"messages":[{"role":"user","content":"no model"}]}""")]
    [InlineData("""{"model":42,"prompt":"x"}""")]
    [InlineData("""{"model":{"name":"big-model"},"prompt":"x"}""")]
    [InlineData("""["big-model"]""")]
    [InlineData("""{"model":"big-model" "prompt":"x"}""")]
    [InlineData("")]
    public async Task BodyWithoutAUsableModel_IsForwardedUnchangedOnTheDefaultRoute(string body)
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var client = await StartLlmMeshAsync(mesh, ModelToV2("big-model"));
        var bytes = Body(body);

        Assert.Equal($"v1 received {bytes.Length} sha256 {Sha256(bytes)}", await PostAsync(client, bytes));
    }

    [Fact]
    public async Task BodyCutOffByTheClient_IsNotForwarded_AndTheSidecarKeepsServing()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (client, v1, v2) = await StartLlmMeshWithUpstreamsAsync(mesh, ModelToV2("big-model"));

        // Content-Length promises 1,000 bytes; the client sends 16 and closes its side.
        var reply = await SendRawAsync(client, halfClose: true, "Content-Length: 1000\r\n\r\n{\"model\":\"big-mo");

        Assert.DoesNotContain("HTTP/1.1 5", reply);
        Assert.Equal(0, v1.Requests + v2.Requests);
        Assert.StartsWith("v2 received", await PostAsync(client, Body("""{"model":"big-model"}""")));
    }

    [Fact]
    public async Task BrokenChunkedFraming_GetsA400NamingTheProblem()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (client, v1, v2) = await StartLlmMeshWithUpstreamsAsync(mesh, ModelToV2("big-model"));

        var reply = await SendRawAsync(client, halfClose: false, "Transfer-Encoding: chunked\r\n\r\n8\r\n{\"model\"\r\nzz\r\n");

        Assert.StartsWith("HTTP/1.1 400", reply);
        Assert.Contains("request body could not be read", reply);
        Assert.Equal(0, v1.Requests + v2.Requests);
    }

    /// <summary>Sends a hand-made request head plus <paramref name="rest"/>, optionally half-closes, and reads the reply until the sidecar closes.</summary>
    private static async Task<string> SendRawAsync(SidecarProcess client, bool halfClose, string rest)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, client.OutboundPort);
        var head = $"POST /v1/chat/completions HTTP/1.1\r\nHost: {Host}:8000\r\nContent-Type: application/json\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(head + rest));
        if (halfClose)
        {
            socket.Shutdown(SocketShutdown.Send);
        }

        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            int n;
            while ((n = await socket.ReceiveAsync(buffer, deadline.Token)) > 0)
            {
                received.Write(buffer, 0, n);
            }
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Kestrel resets a connection whose request body ended early; what arrived before the reset is the reply.
        }

        return Encoding.UTF8.GetString(received.ToArray());
    }

    private static object ModelToV2(string model) => new
    {
        hosts = new[] { Host },
        http = new object[]
        {
            new
            {
                match = new[] { new { headers = new Dictionary<string, object> { ["x-mesh-model"] = new { exact = model } } } },
                route = new[] { new { destination = new { host = Host, subset = "v2" } } },
            },
            new { route = new[] { new { destination = new { host = Host, subset = "v1" } } } },
        },
    };

    /// <summary>Two model-server instances (v1, v2) behind the service <c>llm</c>, the routing, and a client sidecar in sync.</summary>
    private static async Task<SidecarProcess> StartLlmMeshAsync(MeshTestBed mesh, object virtualServiceSpec) =>
        (await StartLlmMeshWithUpstreamsAsync(mesh, virtualServiceSpec)).Client;

    private static async Task<(SidecarProcess Client, UpstreamServer V1, UpstreamServer V2)> StartLlmMeshWithUpstreamsAsync(MeshTestBed mesh, object virtualServiceSpec)
    {
        var v1 = await mesh.StartUpstreamAsync("v1");
        var v2 = await mesh.StartUpstreamAsync("v2");
        await mesh.AddServiceAsync(Host, 8000, v1, v2);
        await mesh.ApplyAsync(IstioResources.Subsets(Host));
        await mesh.ApplyAsync(IstioResources.VirtualService(Host, virtualServiceSpec));
        var client = await mesh.StartSidecarAsync("chat-app");
        await mesh.SyncAsync(client);
        return (client, v1, v2);
    }

    private static async Task<string> PostAsync(SidecarProcess client, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await client.Proxy.PostAsync($"http://{Host}:8000/v1/chat/completions", content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static byte[] Body(string json) => Encoding.UTF8.GetBytes(json);

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static long RssBytes(int processId)
    {
        var line = File.ReadLines($"/proc/{processId}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
