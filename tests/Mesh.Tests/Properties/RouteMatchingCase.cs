namespace Mesh.Tests.Properties;

public enum MatchKind
{
    Exact,
    Prefix,
    Regex,
}

/// <summary>An Istio StringMatch.</summary>
public sealed record StringCondition(MatchKind Kind, string Value)
{
    public override string ToString() => $"{Kind.ToString().ToLowerInvariant()}: \"{Value}\"";
}

/// <summary>An Istio HTTPMatchRequest over uri (optionally ignoring case), method and headers.</summary>
public sealed record MatchBlock(StringCondition? Uri, bool IgnoreUriCase, StringCondition? Method, IReadOnlyList<KeyValuePair<string, StringCondition>> Headers)
{
    public override string ToString()
    {
        var parts = new List<string>();
        if (Uri is not null)
        {
            parts.Add($"uri {{{Uri}}}");
        }

        if (IgnoreUriCase)
        {
            parts.Add("ignoreUriCase: true");
        }

        if (Method is not null)
        {
            parts.Add($"method {{{Method}}}");
        }

        parts.AddRange(Headers.Select(h => $"header {h.Key} {{{h.Value}}}"));
        return "{" + string.Join(", ", parts) + "}";
    }
}

/// <summary>One http route: no match blocks means it matches every request.</summary>
public sealed record HttpRouteCase(string Name, IReadOnlyList<MatchBlock> Matches)
{
    public override string ToString() => $"{Name}: match [{string.Join(", ", Matches)}]";
}

public sealed record RequestCase(string Path, string Method, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public override string ToString() => $"{Method} {Path} [{string.Join(", ", Headers.Select(h => $"{h.Key}: \"{h.Value}\""))}]";
}

/// <summary>A VirtualService's http routes for reviews and requests sent to it.</summary>
public sealed record RoutingCase(IReadOnlyList<HttpRouteCase> Routes, IReadOnlyList<RequestCase> Requests)
{
    public override string ToString() =>
        $"routes:\n  {string.Join("\n  ", Routes)}\nrequests:\n  {string.Join("\n  ", Requests)}";
}
