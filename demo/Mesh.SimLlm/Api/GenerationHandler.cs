using System.Globalization;
using System.Text;
using Mesh.SimLlm.Engine;
using Mesh.SimLlm.Failures;
using Mesh.SimLlm.Hosting;

namespace Mesh.SimLlm.Api;

/// <summary>
/// Serves one chat or text completion: validate, maybe inject a failure, queue for a slot, then generate, streamed as
/// server-sent events or returned whole. The request's abort token runs through every wait, so a client that goes
/// away leaves the queue or frees its slot at once.
/// </summary>
internal sealed class GenerationHandler(SimLlmOptions options, SimEngine engine, FailureSwitch failures, TimeProvider time, ILogger<GenerationHandler> logger)
{
    public delegate ParsedGeneration? Parser(JsonBody body, SimLlmOptions options, out ApiError? error);

    private long _responses;

    public async Task HandleAsync(HttpContext context, IGenerationFormat format, Parser parse)
    {
        var arrived = time.GetTimestamp();
        var cancellationToken = context.RequestAborted;
        try
        {
            var (document, bodyError) = await JsonBody.ParseAsync(context.Request, cancellationToken);
            ParsedGeneration? parsed;
            ApiError? error;
            using (document)
            {
                parsed = document is null ? null : parse(JsonBody.Of(document), options, out bodyError);
                error = bodyError;
            }

            if (parsed is null)
            {
                await error!.ToResult(context).ExecuteAsync(context);
                return;
            }

            await GenerateAsync(context, format, parsed, arrived, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && cancellationToken.IsCancellationRequested)
        {
            SimLlmLog.ClientGone(logger, context.Request.Path.Value ?? "");
        }
    }

    private async Task GenerateAsync(HttpContext context, IGenerationFormat format, ParsedGeneration parsed, long arrived, CancellationToken cancellationToken)
    {
        var failure = failures.Draw();
        if (failure is FailureMode.TooManyRequests or FailureMode.ServiceUnavailable)
        {
            engine.Stats.FailureInjected();
            var retryAfter = failures.Settings.RetryAfterSeconds;
            var injected = failure == FailureMode.TooManyRequests ? ApiError.Injected429(retryAfter) : ApiError.Injected503(retryAfter);
            await injected.ToResult(context).ExecuteAsync(context);
            return;
        }

        using var slot = await engine.Scheduler.AcquireAsync(parsed.Request.Model, cancellationToken);
        if (slot is null)
        {
            engine.Stats.QueueRejected();
            await ApiError.QueueFull(options.RetryAfterSeconds).ToResult(context).ExecuteAsync(context);
            return;
        }

        if (failure == FailureMode.HangBeforeFirstToken)
        {
            engine.Stats.FailureInjected();
            if (parsed.Stream)
            {
                BeginStream(context.Response);
                await context.Response.Body.FlushAsync(cancellationToken);
            }

            // Holds the slot, as a stuck engine would, until the client gives up.
            await Task.Delay(Timeout.InfiniteTimeSpan, time, cancellationToken);
        }

        var generation = engine.Start(parsed.Request, slot, arrived);
        var headers = context.Response.Headers;
        headers["x-simllm-ttft-ms"] = generation.ModelTtftMs.ToString("0.###", CultureInfo.InvariantCulture);
        headers["x-simllm-cached-tokens"] = generation.CachedTokens.ToString(CultureInfo.InvariantCulture);
        headers["x-simllm-prompt-tokens"] = generation.PromptTokens.ToString(CultureInfo.InvariantCulture);
        var ids = new ResponseIds($"{format.IdPrefix}-{Interlocked.Increment(ref _responses).ToString("x8", CultureInfo.InvariantCulture)}",
            time.GetUtcNow().ToUnixTimeSeconds(), parsed.Request.Model);
        var usage = new Usage(generation.PromptTokens, generation.CompletionTokens, generation.PromptTokens + generation.CompletionTokens,
            new PromptTokensDetails(generation.CachedTokens));

        if (!parsed.Stream)
        {
            var text = new StringBuilder();
            await foreach (var token in generation.TokensAsync(cancellationToken))
            {
                text.Append(token);
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(format.Whole(ids, text.ToString(), generation.FinishReason, usage), cancellationToken);
            return;
        }

        BeginStream(context.Response);
        await context.Response.Body.FlushAsync(cancellationToken);
        var first = true;
        await foreach (var token in generation.TokensAsync(cancellationToken))
        {
            if (first)
            {
                foreach (var opening in format.Opening(ids))
                {
                    await WriteEventAsync(context.Response, opening, flush: false, cancellationToken);
                }

                first = false;
            }

            await WriteEventAsync(context.Response, format.Token(ids, token), flush: true, cancellationToken);
        }

        await WriteEventAsync(context.Response, format.Finish(ids, generation.FinishReason), flush: false, cancellationToken);
        if (parsed.IncludeUsage)
        {
            await WriteEventAsync(context.Response, format.UsageChunk(ids, usage), flush: false, cancellationToken);
        }

        await WriteEventAsync(context.Response, "[DONE]", flush: true, cancellationToken);
    }

    private static void BeginStream(HttpResponse response)
    {
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
    }

    private static async Task WriteEventAsync(HttpResponse response, string data, bool flush, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"data: {data}\n\n", cancellationToken);
        if (flush)
        {
            await response.Body.FlushAsync(cancellationToken);
        }
    }
}
