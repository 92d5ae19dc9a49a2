using System.Globalization;
using Mesh.Contracts.Istio.Networking;

namespace Mesh.Cli.Describe;

/// <summary>One-line summaries of VirtualService matches, destinations and faults for <c>describe</c>.</summary>
internal static class RouteText
{
    public static string Match(IReadOnlyList<HttpMatchRequest>? matches) =>
        matches is not { Count: > 0 } ? "all requests" : string.Join(" OR ", matches.Select(One));

    private static string One(HttpMatchRequest match)
    {
        var parts = new List<string>();
        Add(parts, "uri", match.Uri);
        Add(parts, "method", match.Method);
        Add(parts, "authority", match.Authority);
        foreach (var (name, value) in match.Headers ?? new Dictionary<string, StringMatch>())
        {
            Add(parts, $"header[{name}]", value);
        }

        foreach (var (name, value) in match.QueryParams ?? new Dictionary<string, StringMatch>())
        {
            Add(parts, $"query[{name}]", value);
        }

        if (match.Port is { } port)
        {
            parts.Add($"port {port}");
        }

        if (match.SourceLabels is { Count: > 0 } labels)
        {
            parts.Add("source " + string.Join(",", labels.Select(l => $"{l.Key}={l.Value}")));
        }

        return parts.Count == 0 ? "all requests" : string.Join(" AND ", parts);
    }

    private static void Add(List<string> parts, string what, StringMatch? match)
    {
        if (match is null)
        {
            return;
        }

        parts.Add(match switch
        {
            { Exact: { } e } => $"{what} = \"{e}\"",
            { Prefix: { } p } => $"{what} starts with \"{p}\"",
            { Regex: { } r } => $"{what} ~ /{r}/",
            _ => what,
        });
    }

    public static string Destination(Destination? destination, int? weight, int count)
    {
        if (destination is null)
        {
            return "(no destination)";
        }

        var port = destination.Port?.Number is { } n ? ":" + n.ToString(CultureInfo.InvariantCulture) : "";
        var subset = destination.Subset is { } s ? $" subset {s}" : "";
        var share = weight ?? (count == 1 ? 100 : 0);
        return $"{destination.Host}{port}{subset}  weight {share}%";
    }

    public static IEnumerable<string> Extras(HttpRoute route)
    {
        if (route.Fault?.Delay is { } delay)
        {
            yield return $"fault: delay {delay.FixedDelay} for {Percent(delay.Percentage, delay.Percent)}";
        }

        if (route.Fault?.Abort is { } abort)
        {
            yield return $"fault: abort HTTP {abort.HttpStatus} for {Percent(abort.Percentage, abort.Percent)}";
        }

        if (route.Timeout is { } timeout)
        {
            yield return $"timeout: {timeout}";
        }

        if (route.Retries is { } retries)
        {
            yield return $"retries: {retries.Attempts} attempts" + (retries.PerTryTimeout is { } t ? $", {t} per try" : "");
        }

        if (route.Rewrite is { } rewrite)
        {
            yield return $"rewrite: uri {rewrite.Uri ?? "-"}, authority {rewrite.Authority ?? "-"}";
        }

        if (route.Redirect is not null)
        {
            yield return "redirect";
        }

        if (route.Mirror is { } mirror)
        {
            yield return $"mirror: {mirror.Host}{(mirror.Subset is { } s ? " subset " + s : "")}";
        }
    }

    private static string Percent(Percent? percentage, int? percent) =>
        (percentage?.Value ?? percent ?? 100).ToString(CultureInfo.InvariantCulture) + "%";
}
