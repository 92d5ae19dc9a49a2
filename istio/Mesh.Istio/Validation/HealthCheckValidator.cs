using Mesh.Contracts.Registry;
using Mesh.Routing.Compilation;

namespace Mesh.Istio.Validation;

/// <summary>
/// Rules of a service's <c>healthCheck</c>, shared by the resource validator (meshctl, <c>/api/v1/resources</c>) and
/// the silo's services API, so both refuse the same input with the same field paths.
/// </summary>
public static class HealthCheckValidator
{
    private static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    /// <summary>Every problem of <paramref name="spec"/>, with paths under <paramref name="path"/> (e.g. <c>spec.healthCheck</c>).</summary>
    public static IReadOnlyList<ValidationMessage> Validate(HealthCheckSpec spec, string path)
    {
        var context = new ValidationContext();
        Check(spec, path, context);
        return context.Messages;
    }

    internal static void Check(HealthCheckSpec spec, string path, ValidationContext context)
    {
        switch (spec.Http, spec.Tcp)
        {
            case (null, null):
                context.Error(path, "one of http or tcp is required");
                break;
            case ({ }, { }):
                context.Error(path, "only one of http and tcp may be set");
                break;
        }

        if (spec.Http is { } http)
        {
            CheckPath(http.Path, $"{path}.http.path", context);
            context.Port($"{path}.http.port", http.Port);
            if (http.ExpectedStatuses is { } statuses)
            {
                if (statuses.Count is 0 or > 32)
                {
                    context.Error($"{path}.http.expectedStatuses", "must list 1 to 32 status codes");
                }

                for (var i = 0; i < statuses.Count; i++)
                {
                    context.Range($"{path}.http.expectedStatuses[{i}]", statuses[i], 100, 599);
                }
            }
        }

        context.Port($"{path}.tcp.port", spec.Tcp?.Port);
        CheckDuration(spec.Interval, $"{path}.interval", MinInterval, context);
        CheckDuration(spec.Timeout, $"{path}.timeout", TimeSpan.FromMilliseconds(1), context);
        context.Range($"{path}.healthyThreshold", spec.HealthyThreshold, 1, 100);
        context.Range($"{path}.unhealthyThreshold", spec.UnhealthyThreshold, 1, 100);
    }

    private static void CheckPath(string? value, string path, ValidationContext context)
    {
        if (string.IsNullOrEmpty(value) || value[0] != '/')
        {
            context.Error(path, $"\"{value}\" must start with '/'");
        }
        else if (value.Length > 2048 || value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))
            || !Uri.TryCreate("http://probe" + value, UriKind.Absolute, out _))
        {
            context.Error(path, "must be a URL path of at most 2048 characters without spaces or control characters");
        }
    }

    private static void CheckDuration(string? text, string path, TimeSpan min, ValidationContext context)
    {
        if (text is null)
        {
            return;
        }

        if (!IstioDuration.TryParse(text, out var value))
        {
            context.Duration(path, text);
        }
        else if (value < min || value > MaxDuration)
        {
            context.Error(path, $"\"{text}\" is out of range, must be {(int)min.TotalMilliseconds}ms..1h");
        }
    }
}
