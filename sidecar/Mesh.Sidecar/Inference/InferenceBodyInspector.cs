using Mesh.Sidecar.Hosting;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Finds the model of an OpenAI-style request (POST to <c>…/chat/completions</c>, <c>…/completions</c> or
/// <c>…/embeddings</c>) before routing, so that ordinary VirtualService header matches on <see cref="ModelHeader"/>
/// route by model. It reads at most <see cref="SidecarOptions.InferenceBodyLimit"/> bytes of the body, stops as
/// soon as the top-level object ends, and hands the upstream those bytes followed by the rest of the body as it
/// streams in: a body is never buffered whole. Bodies that are not well-formed JSON objects as far as read, or whose model is missing, not a
/// string or beyond the limit, are forwarded unchanged without the header; the model server judges them.
/// </summary>
internal sealed class InferenceBodyInspector(SidecarOptions options, TimeProvider time)
{
    /// <summary>The request header the sidecar sets from the body's <c>model</c>; VirtualServices match on it.</summary>
    public const string ModelHeader = "x-mesh-model";

    private const int InitialBufferBytes = 4096;

    /// <summary>
    /// Returns what the body says, or null when the request is not an inference call. Throws
    /// <see cref="InferenceBodyException"/> when the client's body could not be read.
    /// </summary>
    public async ValueTask<InferenceRequest?> InspectAsync(HttpContext context)
    {
        var request = context.Request;
        var limit = options.InferenceBodyLimit;
        if (limit == 0 || !HttpMethods.IsPost(request.Method) || !IsInferencePath(request.Path.Value))
        {
            return null;
        }

        var scanner = new InferenceRequestScanner();
        var buffer = new byte[(int)Math.Min(limit, Math.Clamp(request.ContentLength ?? InitialBufferBytes, 1, InitialBufferBytes * 16))];
        var filled = 0;
        var ended = false;
        var original = request.Body;
        try
        {
            while (filled < limit)
            {
                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, (int)Math.Min(limit, (long)buffer.Length * 2));
                }

                var read = await original.ReadAsync(buffer.AsMemory(filled), context.RequestAborted);
                if (read == 0)
                {
                    ended = true;
                    break;
                }

                var outcome = scanner.Feed(buffer.AsSpan(filled, read));
                filled += read;
                if (outcome != InferenceScanOutcome.Incomplete)
                {
                    // The object is complete; a body of known length may be too, else one more read finds its end (the
                    // client has sent what it means to, so the read returns at once).
                    if (request.ContentLength == filled)
                    {
                        ended = true;
                    }
                    else if (request.ContentLength is null)
                    {
                        var probe = new byte[1];
                        ended = await original.ReadAsync(probe, context.RequestAborted) == 0;
                        if (!ended)
                        {
                            // Bytes after the object (whitespace, or garbage the server will judge) still go upstream.
                            original = new ReplayedBodyStream(probe, original);
                        }
                    }

                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException or OperationCanceledException)
        {
            throw new InferenceBodyException($"request body could not be read: {ex.Message}", ex);
        }

        // What was read is not a JSON object: the model server will refuse it, so it is not routed as a model call.
        var wellFormed = scanner.Outcome is not (InferenceScanOutcome.Malformed or InferenceScanOutcome.NotAnObject);
        var result = new InferenceRequest(wellFormed ? scanner.Model : null, scanner.ModelUnusable, scanner.Stream, scanner.MaxTokens, scanner.User, scanner.Outcome, filled,
            scanner.Prompt, scanner.StreamOptionsPresent, scanner.IncludeUsage);
        ReadOnlyMemory<byte> prefix = buffer.AsMemory(0, filled);
        var operation = InferenceUsage.OperationFor(request.Path.Value!);
        var injectUsage = operation != InferenceUsage.Embeddings && StreamOptionsInjection.Applies(result);
        if (injectUsage)
        {
            prefix = StreamOptionsInjection.Inject(prefix.Span);
            request.ContentLength += StreamOptionsInjection.Member.Length;
        }

        request.Body = new ReplayedBodyStream(prefix, original);
        if (ended)
        {
            result = result with { WholeBody = prefix };
        }

        if (result.Model is { } model)
        {
            request.Headers[ModelHeader] = model;
        }

        var usage = new InferenceUsage(operation, result.Model, result.Stream == true, injectUsage);
        context.Response.Body = new InferenceResponseStream(context.Response.Body, context.Response, usage, time);
        context.Features.Set(result);
        context.Features.Set(usage);
        return result;
    }

    private static bool IsInferencePath(string? path) =>
        path is not null && (path.EndsWith("/completions", StringComparison.Ordinal) || path.EndsWith("/embeddings", StringComparison.Ordinal));
}

/// <summary>The client's request body ended early or broke while the sidecar read its prefix.</summary>
internal sealed class InferenceBodyException(string message, Exception inner) : Exception(message, inner);
