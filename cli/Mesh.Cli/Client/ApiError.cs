using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Contracts.Json;

namespace Mesh.Cli.Client;

/// <summary>The admin API's error body: <c>{"error", "field", "errors": [{"field", "message"}]}</c>.</summary>
internal sealed record ApiError(string? Error, string? Field, IReadOnlyList<ApiFieldError>? Errors)
{
    public static async Task<ApiError> ReadAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<ApiError>(MeshJson.Options, cancellationToken) ?? new ApiError(null, null, null);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException)
        {
            // Not our error format (a proxy in between, an old silo): show the start of what came back.
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            return new ApiError(text.Length > 300 ? text[..300] : text, null, null);
        }
    }

    public string Describe()
    {
        if (Errors is { Count: > 0 } errors)
        {
            return string.Join("\n  ", errors.Select(e => $"{e.Field}: {e.Message}").Prepend(errors.Count == 1 ? "1 error:" : $"{errors.Count} errors:"));
        }

        return Field is null or "Authorization" ? Error ?? "(no message)" : $"{Field}: {Error}";
    }
}

internal sealed record ApiFieldError(string Field, string Message);
