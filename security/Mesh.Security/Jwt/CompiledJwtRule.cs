using Mesh.Contracts.Istio.Security;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Security.Jwt;

/// <summary>A JWT rule with its token locations resolved and inline keys parsed once.</summary>
internal sealed class CompiledJwtRule
{
    private static readonly JwtHeader DefaultHeader = new() { Name = "Authorization", Prefix = "Bearer " };

    public CompiledJwtRule(JwtRule rule, JsonWebKeySet? inlineKeys)
    {
        Rule = rule;
        InlineKeys = inlineKeys;
        var custom = rule.FromHeaders is { Count: > 0 } || rule.FromParams is { Count: > 0 } || rule.FromCookies is { Count: > 0 };
        Headers = custom ? rule.FromHeaders ?? [] : [DefaultHeader];
        Params = custom ? rule.FromParams ?? [] : ["access_token"];
        Cookies = rule.FromCookies ?? [];
    }

    public JwtRule Rule { get; }

    public JsonWebKeySet? InlineKeys { get; }

    public IReadOnlyList<JwtHeader> Headers { get; }

    public IReadOnlyList<string> Params { get; }

    public IReadOnlyList<string> Cookies { get; }

    /// <summary>Tokens present in this rule's locations.</summary>
    public IEnumerable<(string Token, TokenLocation Location)> Find(TokenSources sources)
    {
        foreach (var header in Headers)
        {
            var value = sources.Header(header.Name);
            if (string.IsNullOrEmpty(value))
            {
                continue;
            }

            var prefix = header.Prefix ?? "";
            // The default "Bearer " scheme is case-insensitive per RFC 6750; custom prefixes match exactly.
            var comparison = ReferenceEquals(header, DefaultHeader) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            if (value.StartsWith(prefix, comparison))
            {
                yield return (value[prefix.Length..].Trim(), new TokenLocation(TokenLocationKind.Header, header.Name));
            }
        }

        foreach (var name in Params)
        {
            if (sources.QueryParameter(name) is { Length: > 0 } value)
            {
                yield return (value, new TokenLocation(TokenLocationKind.QueryParameter, name));
            }
        }

        if (sources.Cookie is not null)
        {
            foreach (var name in Cookies)
            {
                if (sources.Cookie(name) is { Length: > 0 } value)
                {
                    yield return (value, new TokenLocation(TokenLocationKind.Cookie, name));
                }
            }
        }
    }
}
