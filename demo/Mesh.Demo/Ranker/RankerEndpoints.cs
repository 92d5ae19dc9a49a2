using Mesh.Demo.Hosting;
using Mesh.Demo.Model;
using Mesh.Demo.Streaming;
using Mesh.Demo.Text;

namespace Mesh.Demo.Ranker;

internal static class RankerEndpoints
{
    public static WebApplication MapRanker(this WebApplication app)
    {
        app.MapGet("/complete", CompleteAsync);
        app.MapGet("/generate", RelayAsync);
        return app;
    }

    private static async Task<IResult> CompleteAsync(HttpRequest request, CandidateRanker ranker, string? prompt, string? candidates, string? maxTokens, string? seed)
    {
        if (prompt is null or { Length: 0 or > WordTokenizer.MaxInputChars })
        {
            return BadRequest.Field("prompt", prompt is null ? null : $"{prompt.Length} chars", $"must be 1..{WordTokenizer.MaxInputChars} characters");
        }

        if (!BadRequest.TryInt(candidates, 1, 8, 3, out var count))
        {
            return BadRequest.Field("candidates", candidates, "must be an integer 1..8");
        }

        if (!BadRequest.TryInt(maxTokens, 1, ModelEndpoints.MaxTokens, 12, out var max))
        {
            return BadRequest.Field("maxTokens", maxTokens, $"must be an integer 1..{ModelEndpoints.MaxTokens}");
        }

        if (!BadRequest.TryInt(seed, 0, int.MaxValue - 8, Random.Shared.Next(1_000_000), out var first))
        {
            return BadRequest.Field("seed", seed, "must be a non-negative integer");
        }

        var ranked = await ranker.RankAsync(request, prompt, count, max, first, request.HttpContext.RequestAborted);
        var best = ranked.FirstOrDefault(c => c.Text is not null);
        return best is null
            ? Results.Json(new { error = "no completion: every model call failed", candidates = ranked }, statusCode: StatusCodes.Status502BadGateway)
            : Results.Json(new { prompt, best = best.Text, version = best.Version, candidates = ranked });
    }

    /// <summary>Passes the model's token stream through event by event, as each token arrives.</summary>
    private static async Task RelayAsync(HttpContext context, CandidateRanker ranker, IHttpClientFactory clients)
    {
        var query = context.Request.Query;
        int? seed = int.TryParse(query["seed"], out var s) ? s : null;
        if (!BadRequest.TryInt(query["maxTokens"], 1, ModelEndpoints.MaxTokens, 16, out var max))
        {
            await BadRequest.Field("maxTokens", query["maxTokens"], $"must be an integer 1..{ModelEndpoints.MaxTokens}").ExecuteAsync(context);
            return;
        }

        var ct = context.RequestAborted;
        using var call = ranker.ModelCall(context.Request, query["prompt"].ToString(), max, seed);
        HttpResponseMessage response;
        try
        {
            response = await clients.CreateClient(DemoServiceCollectionExtensions.MeshClient).SendAsync(call, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException ex)
        {
            await Results.Json(new { error = $"model unreachable: {ex.Message}" }, statusCode: StatusCodes.Status502BadGateway).ExecuteAsync(context);
            return;
        }

        using var _ = response;
        context.Response.StatusCode = (int)response.StatusCode;
        if (response.Headers.TryGetValues("x-model-version", out var version))
        {
            context.Response.Headers["x-model-version"] = version.First();
        }

        if (!response.IsSuccessStatusCode || response.Content.Headers.ContentType?.MediaType != ServerSentEvents.ContentType)
        {
            context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
            await response.Content.CopyToAsync(context.Response.Body, ct);
            return;
        }

        ServerSentEvents.Begin(context.Response);
        await foreach (var e in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync(ct), ct))
        {
            await ServerSentEvents.WriteAsync(context.Response, e, ct);
        }
    }
}
