using System.Text.RegularExpressions;
using Mesh.Routing.Compilation;

namespace Mesh.Istio.Validation;

/// <summary>Collects every error of one resource (validation never stops at the first problem).</summary>
internal sealed class ValidationContext
{
    public List<ValidationMessage> Messages { get; } = [];

    public void Error(string path, string message) =>
        Messages.Add(new ValidationMessage(ValidationSeverity.Error, ValidationMessage.SchemaError, path, message));

    public void Warning(string code, string path, string message) =>
        Messages.Add(new ValidationMessage(ValidationSeverity.Warning, code, path, message));

    public void Required(string path, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Error(path, "is required");
        }
    }

    public void Range(string path, long? value, long min, long max)
    {
        if (value is { } v && (v < min || v > max))
        {
            Error(path, $"{v} is out of range, must be {min}..{max}");
        }
    }

    public void Range(string path, double? value, double min, double max)
    {
        if (value is { } v && (v < min || v > max || double.IsNaN(v)))
        {
            Error(path, $"{v} is out of range, must be {min}..{max}");
        }
    }

    public void Port(string path, int? port) => Range(path, port, 1, 65535);

    public void NonNegative(string path, long? value)
    {
        if (value is < 0)
        {
            Error(path, $"{value} must not be negative");
        }
    }

    public void Duration(string path, string? text)
    {
        if (text is not null && !IstioDuration.TryParse(text, out _))
        {
            Error(path, $"\"{text}\" is not a duration (examples: 250ms, 1.5s, 1m, 1h)");
        }
    }

    public void OneOf(string path, string? value, params string[] allowed)
    {
        if (value is not null && !allowed.Contains(value, StringComparer.Ordinal))
        {
            Error(path, $"\"{value}\" is not valid, must be one of {string.Join(", ", allowed)}");
        }
    }

    /// <summary>
    /// User regexes run with NonBacktracking in the sidecar, so they must compile under it; constructing the regex
    /// is the whole check (nothing is matched, so no input can make it slow).
    /// </summary>
    public void Regex(string path, string? pattern)
    {
        if (pattern is null)
        {
            return;
        }

        try
        {
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            Error(path, $"invalid regex \"{pattern}\": {e.Message}");
        }
        catch (NotSupportedException e)
        {
            Error(path, $"regex \"{pattern}\" uses a construct that is not supported (no backreferences or lookarounds): {e.Message}");
        }
    }
}
