using System.Net.Http.Json;
using Mesh.Tests.SimLlm;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>What the fallback tests do to SimLLM and through a sidecar: switch a server's failure mode, send a chat.</summary>
internal static class InferenceCalls
{
    public static async Task SetFailureAsync(SimLlmServer server, object failure)
    {
        using var response = await server.Client.PostAsJsonAsync("/admin/failure", failure);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>A small chat completion (8 tokens) through the sidecar's outbound listener; <paramref name="padding"/> makes the body larger.</summary>
    public static Task<HttpResponseMessage> ChatAsync(SidecarProcess client, string host, bool stream, int padding = 0) =>
        client.Proxy.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"http://{host}:8000/v1/chat/completions")
        {
            Content = JsonContent.Create(new
            {
                model = SimLlmServer.Model,
                stream,
                max_tokens = 8,
                messages = new[] { new { role = "user", content = "hello " + new string('x', padding) } },
            }),
        }, HttpCompletionOption.ResponseHeadersRead);
    /// <summary>Reads a streamed answer to its end and asserts it is one whole stream: one role chunk, one finish, one [DONE].</summary>
    public static async Task AssertOneWholeStreamAsync(HttpResponseMessage response)
    {
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        var events = new List<string>();
        await foreach (var data in SseReader.DataAsync(response))
        {
            events.Add(data);
        }

        Assert.Equal(1, events.Count(e => e == "[DONE]"));
        Assert.Equal(1, events.Count(e => e.Contains("\"role\":\"assistant\"", StringComparison.Ordinal)));
        Assert.Equal(1, events.Count(e => e.Contains("\"finish_reason\":\"", StringComparison.Ordinal)));
    }
}
