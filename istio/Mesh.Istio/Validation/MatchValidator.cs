using Mesh.Contracts.Istio.Networking;

namespace Mesh.Istio.Validation;

internal static class MatchValidator
{
    public static void Validate(HttpMatchRequest match, string path, ValidationContext context)
    {
        String(match.Uri, $"{path}.uri", presenceAllowed: false, context);
        String(match.Scheme, $"{path}.scheme", presenceAllowed: false, context);
        String(match.Method, $"{path}.method", presenceAllowed: false, context);
        String(match.Authority, $"{path}.authority", presenceAllowed: false, context);
        Keyed(match.Headers, $"{path}.headers", context);
        Keyed(match.WithoutHeaders, $"{path}.withoutHeaders", context);
        Keyed(match.QueryParams, $"{path}.queryParams", context);
        context.Port($"{path}.port", match.Port);
    }

    /// <summary>Header and query-parameter matches may be empty (<c>{}</c>): that means "present".</summary>
    private static void Keyed(IReadOnlyDictionary<string, StringMatch>? matches, string path, ValidationContext context)
    {
        foreach (var (name, match) in matches ?? new Dictionary<string, StringMatch>())
        {
            if (name.Length == 0)
            {
                context.Error(path, "names must not be empty");
            }

            String(match, $"{path}.{name}", presenceAllowed: true, context);
        }
    }

    private static void String(StringMatch? match, string path, bool presenceAllowed, ValidationContext context)
    {
        if (match is null)
        {
            return;
        }

        var set = (match.Exact is not null ? 1 : 0) + (match.Prefix is not null ? 1 : 0) + (match.Regex is not null ? 1 : 0);
        if (set > 1)
        {
            context.Error(path, "exactly one of exact, prefix or regex must be set");
        }
        else if (set == 0 && !presenceAllowed)
        {
            context.Error(path, "one of exact, prefix or regex must be set");
        }

        context.Regex($"{path}.regex", match.Regex);
    }
}
