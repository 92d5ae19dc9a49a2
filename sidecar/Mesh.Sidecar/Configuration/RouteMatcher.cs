using Mesh.Routing.Model;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Configuration;

/// <summary>One compiled Istio HTTPMatchRequest: every present condition must hold.</summary>
internal sealed class RouteMatcher
{
    private readonly StringMatcher? _path;
    private readonly StringMatcher? _method;
    private readonly StringMatcher? _authority;
    private readonly StringMatcher? _scheme;
    private readonly (string Name, StringMatcher Match)[] _headers;
    private readonly (string Name, StringMatcher Match)[] _withoutHeaders;
    private readonly (string Name, StringMatcher Match)[] _query;
    private readonly int? _port;

    public RouteMatcher(RouteMatchConfig config)
    {
        // Istio: "the case will be ignored only in the case of exact and prefix URI matches"; a uri regex stays case-sensitive.
        _path = config.Path is null ? null : new StringMatcher(config.Path, config.IgnoreUriCase && config.Path.Kind != StringMatchKind.Regex);
        _method = config.Method is null ? null : new StringMatcher(config.Method, ignoreCase: false);
        _authority = config.Authority is null ? null : new StringMatcher(config.Authority, ignoreCase: true);
        _scheme = config.Scheme is null ? null : new StringMatcher(config.Scheme, ignoreCase: true);
        _headers = [.. config.Headers.Select(h => (h.Name, new StringMatcher(h.Match, ignoreCase: false)))];
        _withoutHeaders = [.. config.WithoutHeaders.Select(h => (h.Name, new StringMatcher(h.Match, ignoreCase: false)))];
        _query = [.. config.QueryParams.Select(q => (q.Name, new StringMatcher(q.Match, ignoreCase: false)))];
        _port = config.Port;
    }

    /// <summary>The prefix this match requires of the path, used by prefix rewrites.</summary>
    public string? PathPrefix => _path is { Kind: StringMatchKind.Prefix } p ? p.Value : null;

    public bool IsMatch(HttpContext context, int port)
    {
        var request = context.Request;
        if (_port is { } required && required != port)
        {
            return false;
        }

        if (_path is not null && !_path.IsMatch(request.Path.Value ?? "/"))
        {
            return false;
        }

        if (_method is not null && !_method.IsMatch(request.Method))
        {
            return false;
        }

        if (_authority is not null && !_authority.IsMatch(request.Host.Value ?? ""))
        {
            return false;
        }

        if (_scheme is not null && !_scheme.IsMatch(request.Scheme))
        {
            return false;
        }

        foreach (var (name, match) in _headers)
        {
            if (!request.Headers.TryGetValue(name, out var value) || !match.IsMatch(value.ToString()))
            {
                return false;
            }
        }

        foreach (var (name, match) in _withoutHeaders)
        {
            if (request.Headers.TryGetValue(name, out var value) && match.IsMatch(value.ToString()))
            {
                return false;
            }
        }

        foreach (var (name, match) in _query)
        {
            if (!request.Query.TryGetValue(name, out var value) || !match.IsMatch(value.ToString()))
            {
                return false;
            }
        }

        return true;
    }
}
