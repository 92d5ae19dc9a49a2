using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Mesh.Routing.Model;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Proxy;

/// <summary>Istio header manipulation and URI rewrites, applied by the forwarding transformer.</summary>
internal static class HeaderOperations
{
    private static readonly ConcurrentDictionary<string, Regex> RewriteRegexes = new(StringComparer.Ordinal);

    public static void Apply(HeaderOperationsConfig? operations, HttpRequestMessage request)
    {
        if (operations is null)
        {
            return;
        }

        foreach (var (name, value) in operations.Set)
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
            Add(request, name, value);
        }

        foreach (var (name, value) in operations.Add)
        {
            Add(request, name, value);
        }

        foreach (var name in operations.Remove)
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
        }
    }

    public static void Apply(HeaderOperationsConfig? operations, IHeaderDictionary headers)
    {
        if (operations is null)
        {
            return;
        }

        foreach (var (name, value) in operations.Set)
        {
            headers[name] = value;
        }

        foreach (var (name, value) in operations.Add)
        {
            headers.Append(name, value);
        }

        foreach (var name in operations.Remove)
        {
            headers.Remove(name);
        }
    }

    /// <summary>
    /// The upstream path after an Istio rewrite: a prefix rewrite replaces the matched prefix, a regex rewrite
    /// replaces every match (RE2 <c>\1</c> groups accepted), otherwise the whole path is replaced.
    /// </summary>
    public static string RewritePath(RewriteConfig rewrite, string path, string? matchedPrefix)
    {
        if (rewrite.RegexMatch is { } pattern)
        {
            var regex = RewriteRegexes.GetOrAdd(pattern, static p => new Regex(p, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)));
            var replacement = Regex.Replace(rewrite.RegexReplacement ?? "", @"\\(\d)", "$$$1");
            return regex.Replace(path, replacement);
        }

        if (rewrite.Uri is not { } uri)
        {
            return path;
        }

        if (matchedPrefix is not null && path.StartsWith(matchedPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var rest = path[matchedPrefix.Length..];
            return uri.EndsWith('/') && rest.StartsWith('/') ? uri + rest[1..] : uri + rest;
        }

        return uri;
    }

    private static void Add(HttpRequestMessage request, string name, string value)
    {
        if (!request.Headers.TryAddWithoutValidation(name, value))
        {
            request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
