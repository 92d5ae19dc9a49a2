using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Demo.Hosting;
using Mesh.Demo.Text;

namespace Mesh.Demo.Model;

/// <summary>
/// <c>GET /ask?prompt=</c>: the model service forwards a question to an external model provider (an OpenAI-compatible
/// chat API) instead of answering from its own n-grams. It calls the provider's plain <c>http://</c> URL through its
/// sidecar, like any app that leaves TLS, routing and the exit to the mesh (the local mesh's egress scenario).
/// </summary>
internal static class ProviderEndpoints
{
    public const int MaxTokens = 64;

    public static WebApplication MapProvider(this WebApplication app)
    {
        app.MapGet("/ask", AskAsync);
        return app;
    }

    private static async Task<IResult> AskAsync(HttpRequest inbound, IHttpClientFactory clients, DemoOptions options, string? prompt, string? maxTokens)
    {
        if (prompt is null or { Length: 0 or > WordTokenizer.MaxInputChars })
        {
            return BadRequest.Field("prompt", prompt is null ? null : $"{prompt.Length} chars", $"must be 1..{WordTokenizer.MaxInputChars} characters");
        }

        if (!BadRequest.TryInt(maxTokens, 1, MaxTokens, 16, out var max))
        {
            return BadRequest.Field("maxTokens", maxTokens, $"must be an integer 1..{MaxTokens}");
        }

        using var call = new HttpRequestMessage(HttpMethod.Post, $"{options.ProviderUrl}/v1/chat/completions")
        {
            Content = JsonContent.Create(new { model = options.ProviderModel, max_tokens = max, messages = new[] { new { role = "user", content = prompt } } }),
        };
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(DemoServiceCollectionExtensions.MeshClient).SendAsync(call.CopyFrom(inbound), inbound.HttpContext.RequestAborted);
        }
        catch (HttpRequestException ex)
        {
            return Results.Json(new { error = $"provider unreachable: {ex.Message}", provider = options.ProviderUrl }, statusCode: StatusCodes.Status502BadGateway);
        }

        using var _ = response;
        var body = await response.Content.ReadAsStringAsync(inbound.HttpContext.RequestAborted);
        if (!response.IsSuccessStatusCode)
        {
            // The mesh's own refusals (403 from the egress gateway, 502 for an unknown host) pass through as they are,
            // so that whoever asked sees which hop said no.
            return Results.Json(new { error = body.Length > 300 ? body[..300] : body, provider = options.ProviderUrl }, statusCode: (int)response.StatusCode);
        }

        try
        {
            var answer = JsonDocument.Parse(body).RootElement;
            return Results.Json(new
            {
                provider = options.ProviderUrl,
                model = answer.GetProperty("model").GetString(),
                text = answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
                usage = answer.GetProperty("usage"),
            });
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or IndexOutOfRangeException)
        {
            return Results.Json(new { error = $"the provider's answer is not a chat completion: {ex.Message}", provider = options.ProviderUrl }, statusCode: StatusCodes.Status502BadGateway);
        }
    }
}
