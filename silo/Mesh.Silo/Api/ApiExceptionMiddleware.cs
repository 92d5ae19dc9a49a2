using System.Text.Json;
using Mesh.Security;
using Mesh.Security.Ca;
using Mesh.Storage.Abstractions;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Silo.Api;

/// <summary>
/// Turns the API's exceptions into JSON errors with the right status: bad input is a 4xx naming the field, a
/// database outage is a clear 503, and nothing else escapes as a bare 500.
/// </summary>
internal sealed partial class ApiExceptionMiddleware(RequestDelegate next, ILogger<ApiExceptionMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
            if (!context.Response.HasStarted && context.Response.StatusCode is 400 or 404 or 405 && context.Response.ContentLength is null
                && context.Response.ContentType is null && context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal))
            {
                await WriteEmptyErrorAsync(context);
            }
        }
        catch (Exception ex) when (!context.Response.HasStarted && Map(ex) is { } error)
        {
            if (error.Status >= 500)
            {
                LogServerError(logger, context.Request.Path, error.Message);
            }

            if (error.Status == StatusCodes.Status503ServiceUnavailable)
            {
                context.Response.Headers.RetryAfter = "2";
            }

            await ApiErrors.Write(context, error.Status, error.Message, error.Field, error.Errors);
        }
    }

    private static (int Status, string Message, string? Field, IReadOnlyList<FieldError>? Errors)? Map(Exception ex) => ex switch
    {
        ApiValidationException v => (400, v.Message, v.Errors.Count > 0 ? v.Errors[0].Field : null, v.Errors),
        ApiStatusException s => (s.StatusCode, s.Message, s.Field, null),
        JsonException j => (400, $"malformed JSON{Where(j)}: {FirstSentence(j.Message)}", j.Path, null),
        BadHttpRequestException { StatusCode: 413 } => (413, "request body is larger than the limit", null, null),
        BadHttpRequestException b => (b.StatusCode, b.Message, null, null),
        InvalidCsrException csr => (400, csr.Message, FieldOf(csr.Message) ?? "csr", null),
        CaException ca => (400, ca.Message, null, null),
        PolicyValidationException p => (400, p.Message, "spec", [.. p.Errors.Select(e => new FieldError("spec", e))]),
        StoreConflictException c => (409, c.Message, "metadata.resourceVersion", null),
        StoreUnavailableException => (503, "the configuration store is unavailable (PostgreSQL database unreachable); retry later (the data plane is unaffected)", null, null),
        // A grain call that failed or timed out (its silo just died, the cluster is changing): writes are idempotent by
        // resource version, so the caller can simply retry.
        TimeoutException or Orleans.Runtime.OrleansException => (503, "the control plane did not answer in time (a silo may have just failed); retry shortly", null, null),
        OperationCanceledException => (499, "request cancelled", null, null),
        _ => null,
    };

    /// <summary>
    /// Routing and parameter binding answer some requests with a bare status: no such path (404), not with this method
    /// (405), a query value of the wrong type (400, e.g. <c>?resourceVersion=abc</c>). Say so in the API's error shape.
    /// </summary>
    private static Task WriteEmptyErrorAsync(HttpContext context)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        if (status == 400)
        {
            var keys = request.Query.Keys.ToList();
            return ApiErrors.Write(context, status, $"a query value has the wrong type: '{InputValidation.Clip(request.QueryString.Value)}'", keys.Count == 1 ? keys[0] : "query");
        }

        var what = status == 404 ? "no such API path" : $"method {request.Method} is not allowed here";
        return ApiErrors.Write(context, status, $"{what}: '{InputValidation.Clip(request.Path.Value)}'", "path");
    }

    /// <summary>The field a CA message starts with (<c>csr: ...</c>, <c>identity: ...</c>).</summary>
    private static string? FieldOf(string message)
    {
        var colon = message.IndexOf(':', StringComparison.Ordinal);
        return colon is > 0 and < 32 && message[..colon].All(char.IsAsciiLetter) ? message[..colon] : null;
    }

    private static string Where(JsonException j) =>
        j.LineNumber is { } line ? $" at {j.Path ?? "$"} (line {line + 1}, position {(j.BytePositionInLine ?? 0) + 1})" : "";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(". Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Warning, Message = "Request {Path} failed: {Reason}")]
    private static partial void LogServerError(ILogger logger, string path, string reason);
}

internal static class RequestBody
{
    /// <summary>
    /// The wire options, but a JSON null where the contract declares a non-nullable member (<c>"apiVersion": null</c>,
    /// <c>"metadata": null</c>, <c>"service": null</c>) is a 400 naming it, instead of a null the handlers dereference.
    /// </summary>
    private static readonly JsonSerializerOptions Options = new(Contracts.Json.MeshJson.Options) { RespectNullableAnnotations = true };

    /// <summary>Reads a JSON body of at most the configured size. Missing or empty bodies are a 400.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, SiloOptions options, CancellationToken cancellationToken)
    {
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = options.MaxRequestBodyBytes;
        }

        if (request.ContentLength > options.MaxRequestBodyBytes)
        {
            throw new ApiStatusException(413, $"request body of {request.ContentLength} bytes exceeds the limit of {options.MaxRequestBodyBytes}");
        }

        if (request.ContentType is { } type && !type.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiStatusException(415, $"content type '{type}' is not supported; send application/json");
        }

        var value = await JsonSerializer.DeserializeAsync<T>(request.Body, Options, cancellationToken);
        return value ?? throw new ApiValidationException("$", "a JSON body is required");
    }
}
