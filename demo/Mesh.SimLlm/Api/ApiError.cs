using System.Globalization;

namespace Mesh.SimLlm.Api;

/// <summary>An OpenAI-style error: the status, the body, and for 429/503 the Retry-After to send.</summary>
internal sealed record ApiError(int Status, string Message, string Type, string? Param, string Code, int? RetryAfterSeconds = null)
{
    public static ApiError BadField(string param, string message) =>
        new(StatusCodes.Status400BadRequest, message, "invalid_request_error", param, "invalid_value");

    public static ApiError UnknownModel(string model) =>
        new(StatusCodes.Status404NotFound, $"The model '{model}' does not exist", "invalid_request_error", "model", "model_not_found");

    public static ApiError QueueFull(int retryAfterSeconds) =>
        new(StatusCodes.Status429TooManyRequests, "The server's waiting queue is full; retry later", "rate_limit_error", null, "queue_full", retryAfterSeconds);

    public static ApiError Injected429(int retryAfterSeconds) =>
        new(StatusCodes.Status429TooManyRequests, "Rate limit reached (injected failure)", "rate_limit_error", null, "rate_limit_exceeded", retryAfterSeconds);

    public static ApiError Injected503(int retryAfterSeconds) =>
        new(StatusCodes.Status503ServiceUnavailable, "The server is overloaded (injected failure)", "server_error", null, "service_unavailable", retryAfterSeconds);

    public IResult ToResult(HttpContext context)
    {
        if (RetryAfterSeconds is { } seconds)
        {
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        return Results.Json(new ErrorResponse(new ErrorBody(Message, Type, Param, Code)), OpenAiJsonContext.Default.ErrorResponse, statusCode: Status);
    }
}
