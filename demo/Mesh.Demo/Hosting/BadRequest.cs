namespace Mesh.Demo.Hosting;

/// <summary>Query-string validation: a 400 that names the field and the value at fault.</summary>
internal static class BadRequest
{
    public static IResult Field(string field, string? value, string expected) =>
        Results.Json(new { error = $"{field} {expected}, got '{value}'" }, statusCode: StatusCodes.Status400BadRequest);

    public static bool TryInt(string? raw, int min, int max, int fallback, out int value)
    {
        if (string.IsNullOrEmpty(raw))
        {
            value = fallback;
            return true;
        }

        return int.TryParse(raw, out value) && value >= min && value <= max;
    }
}
