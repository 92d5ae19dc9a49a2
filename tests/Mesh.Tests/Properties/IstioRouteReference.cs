namespace Mesh.Tests.Properties;

/// <summary>
/// Istio's documented first-match rule, written as plainly as possible: the first route with no match blocks, or with a
/// block whose every condition holds, wins; none → no route. Header names are case-insensitive; <c>ignoreUriCase</c>
/// applies to exact and prefix uri matches only (Istio's HTTPMatchRequest reference), never to a regex.
/// </summary>
internal static class IstioRouteReference
{
    public static string? Select(IReadOnlyList<HttpRouteCase> routes, RequestCase request) =>
        routes.FirstOrDefault(r => r.Matches.Count == 0 || r.Matches.Any(m => Holds(m, request)))?.Name;

    private static bool Holds(MatchBlock block, RequestCase request)
    {
        if (block.Uri is { } uri && !Matches(uri, request.Path, block.IgnoreUriCase))
        {
            return false;
        }

        if (block.Method is { } method && !Matches(method, request.Method, ignoreCase: false))
        {
            return false;
        }

        foreach (var (name, condition) in block.Headers)
        {
            var sent = request.Headers.Where(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (sent.Count == 0 || !Matches(condition, sent[0].Value, ignoreCase: false))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Matches(StringCondition condition, string value, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return condition.Kind switch
        {
            MatchKind.Exact => string.Equals(value, condition.Value, comparison),
            MatchKind.Prefix => value.StartsWith(condition.Value, comparison),
            _ => RegexMeaning.FullMatch(condition.Value, value),
        };
    }
}
