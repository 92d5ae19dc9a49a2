using System.Text;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>
/// Kubernetes-style list parameters for every list of resources: <c>?labelSelector=k=v,k2=v2</c> (equality only),
/// <c>?limit=N</c> and <c>?continue=TOKEN</c>. The body stays a plain array; when more items follow, the response
/// carries the <c>Mesh-Continue</c> header, whose value is the next request's <c>continue</c>. Pages are read by key
/// from the store, so a list of 100,000 endpoints never has to be built in one response or activate anything.
/// </summary>
internal static class ListPaging
{
    public const int MaxLimit = 10_000;
    public const string ContinueHeader = "Mesh-Continue";

    /// <summary>The store query a list request asks for; fetches one more than the limit to learn whether more follow.</summary>
    public static ResourceQuery Query(string kind, string? @namespace, ListParameters list)
    {
        int? limit = null;
        if (list.Limit is { } limitText)
        {
            limit = int.TryParse(limitText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var parsed) && parsed is >= 1 and <= MaxLimit
                ? parsed
                : throw new ApiValidationException("limit", $"'{InputValidation.Clip(limitText)}' is not a number in 1..{MaxLimit}");
        }

        return new ResourceQuery(kind)
        {
            Namespace = @namespace,
            Labels = list.LabelSelector is { } selector ? ParseSelector(selector) : null,
            After = list.Continue is { } token ? ParseToken(token, kind) : null,
            Limit = limit + 1,
        };
    }

    /// <summary>Trims the extra item and, when there was one, tells the client where the next page starts.</summary>
    public static IReadOnlyList<T> Page<T>(HttpResponse response, ResourceQuery query, IReadOnlyList<T> items, Func<T, ResourceKey> keyOf)
    {
        if (query.Limit is not { } fetched || items.Count < fetched)
        {
            return items;
        }

        var page = items.Take(fetched - 1).ToList();
        response.Headers[ContinueHeader] = TokenFor(keyOf(page[^1]));
        return page;
    }

    public static string TokenFor(ResourceKey last) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{last.Kind}\n{last.Namespace}\n{last.Name}")).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static ResourceKey ParseToken(string token, string kind)
    {
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(padded.PadRight(padded.Length + ((4 - (padded.Length % 4)) % 4), '=')));
            if (text.Split('\n') is [var tokenKind, var ns, var name] && tokenKind == kind)
            {
                return new ResourceKey(kind, ns, name);
            }
        }
        catch (FormatException)
        {
        }

        throw new ApiValidationException("continue", $"'{InputValidation.Clip(token)}' is not a continue token of a {kind} list (use the Mesh-Continue header of the previous page)");
    }

    private static Dictionary<string, string> ParseSelector(string selector)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var term in selector.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = term.Split("==") is { Length: 2 } doubled ? doubled : term.Split('=');
            if (parts is not [var key, var value] || key.Trim().Length == 0 || key.Contains('!', StringComparison.Ordinal))
            {
                throw new ApiValidationException("labelSelector", $"'{InputValidation.Clip(term)}' is not key=value (only equality selectors are supported)");
            }

            labels[key.Trim()] = value.Trim();
        }

        return labels;
    }
}

/// <summary>The query parameters every list accepts (bound by name from the query string).</summary>
internal sealed record ListParameters
{
    /// <summary>Equality selector on labels: <c>key=value,key2=value2</c>.</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "labelSelector")]
    public string? LabelSelector { get; init; }

    /// <summary>At most this many items (1..10000); more are announced by the <c>Mesh-Continue</c> response header.</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "limit")]
    public string? Limit { get; init; }

    /// <summary>The <c>Mesh-Continue</c> header of the previous page.</summary>
    [Microsoft.AspNetCore.Mvc.FromQuery(Name = "continue")]
    public string? Continue { get; init; }
}
