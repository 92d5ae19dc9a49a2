using System.Text.Json;
using Mesh.Contracts.Json;

namespace Mesh.Silo.Api;

/// <summary>One problem with a request: the field path at fault (JSON path style) and what is wrong.</summary>
public sealed record FieldError(string Field, string Message);

/// <summary>The body of every error response.</summary>
public sealed record ErrorResponse(string Error, string? Field, IReadOnlyList<FieldError>? Errors);

/// <summary>Request input is invalid; becomes 400 with every error listed.</summary>
internal sealed class ApiValidationException(IReadOnlyList<FieldError> errors)
    : Exception(errors.Count == 0 ? "invalid request" : $"{errors[0].Field}: {errors[0].Message}")
{
    public IReadOnlyList<FieldError> Errors { get; } = errors;

    public ApiValidationException(string field, string message)
        : this([new FieldError(field, message)])
    {
    }
}

/// <summary>An error with a specific status (404, 413, 415, ...).</summary>
internal sealed class ApiStatusException(int statusCode, string message, string? field = null) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string? Field { get; } = field;
}

internal static class ApiErrors
{
    public static Task Write(HttpContext context, int status, string message, string? field, IReadOnlyList<FieldError>? errors = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new ErrorResponse(message, field, errors), MeshJson.Options), context.RequestAborted);
    }
}
