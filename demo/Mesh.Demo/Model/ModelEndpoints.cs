using Mesh.Demo.Hosting;
using Mesh.Demo.Streaming;
using Mesh.Demo.Text;

namespace Mesh.Demo.Model;

internal static class ModelEndpoints
{
    public const int MaxTokens = 200;

    public static WebApplication MapModel(this WebApplication app)
    {
        app.MapGet("/generate", GenerateAsync);
        app.MapGet("/info", (NgramModel model, FailureSwitch failure) =>
            Results.Json(new { version = model.Profile.Version, order = model.Profile.Order, temperature = model.Profile.Temperature, contexts = model.Contexts, failing = failure.Failing }));

        // The demo's fault switch; the scripts call it on the app port itself, never through the mesh.
        app.MapPost("/admin/fail", (string? enabled, FailureSwitch failure, NgramModel model, ILoggerFactory logs) =>
        {
            if (!bool.TryParse(enabled, out var on))
            {
                return BadRequest.Field("enabled", enabled, "must be true or false");
            }

            failure.Failing = on;
            DemoLog.FaultSwitch(logs.CreateLogger("Mesh.Demo"), model.Profile.Version, on);
            return Results.Json(new { failing = on });
        });
        return app;
    }

    private static async Task GenerateAsync(HttpContext context, NgramModel model, FailureSwitch failure, DemoOptions options, TimeProvider time)
    {
        var query = context.Request.Query;
        string? prompt = query["prompt"], rawMax = query["maxTokens"], rawSeed = query["seed"];
        IResult? invalid = prompt is { Length: > WordTokenizer.MaxInputChars }
            ? BadRequest.Field("prompt", $"{prompt.Length} chars", $"must be at most {WordTokenizer.MaxInputChars} characters")
            : !BadRequest.TryInt(rawMax, 1, MaxTokens, 16, out _) ? BadRequest.Field("maxTokens", rawMax, $"must be an integer 1..{MaxTokens}")
            : !BadRequest.TryInt(rawSeed, 0, int.MaxValue, 0, out _) ? BadRequest.Field("seed", rawSeed, "must be a non-negative integer")
            : null;
        context.Response.Headers["x-model-version"] = model.Profile.Version;
        if (invalid is not null)
        {
            await invalid.ExecuteAsync(context);
            return;
        }

        if (failure.Failing)
        {
            await Results.Json(new { error = $"model {model.Profile.Version} is failing (switched on with POST /admin/fail)" }, statusCode: 500).ExecuteAsync(context);
            return;
        }

        BadRequest.TryInt(rawMax, 1, MaxTokens, 16, out var maxTokens);
        var random = string.IsNullOrEmpty(rawSeed) ? new Random() : new Random(int.Parse(rawSeed));
        ServerSentEvents.Begin(context.Response);
        var ct = context.RequestAborted;
        var tokens = new List<string>();
        foreach (var token in model.Generate(prompt ?? "", maxTokens, random))
        {
            tokens.Add(token);
            await ServerSentEvents.WriteAsync(context.Response, "token", new { index = tokens.Count - 1, token, version = model.Profile.Version }, ct);
            if (options.TokenDelayMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(options.TokenDelayMs), time, ct);
            }
        }

        await ServerSentEvents.WriteAsync(context.Response, "done",
            new { version = model.Profile.Version, tokens = tokens.Count, text = WordTokenizer.Detokenize(tokens), traceparent = context.Request.Headers.TraceParent.ToString() }, ct);
    }
}
