using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// HTTPMatchRequest to <see cref="RouteMatchConfig"/>. Conditions about the caller (sourceLabels, sourceNamespace,
/// gateways) and the listener port are known at compile time, so a match block that cannot apply to this node is
/// dropped here instead of being shipped to the sidecar.
/// </summary>
internal static class MatchTranslator
{
    public static RouteMatchConfig? Translate(HttpMatchRequest match, CompilationContext context, RouteScope scope)
    {
        if (!AppliesHere(match.SourceLabels, match.SourceNamespace, match.Gateways, match.Port, context, scope))
        {
            return null;
        }

        return new RouteMatchConfig
        {
            Path = String(match.Uri),
            Method = String(match.Method),
            Authority = String(match.Authority),
            Scheme = String(match.Scheme),
            Headers = Keyed(match.Headers, lowerCaseNames: true),
            WithoutHeaders = Keyed(match.WithoutHeaders, lowerCaseNames: true),
            QueryParams = Keyed(match.QueryParams, lowerCaseNames: false),
            Port = match.Port,
            IgnoreUriCase = match.IgnoreUriCase ?? false,
        };
    }

    /// <summary>An empty StringMatch (none of exact/prefix/regex) places no condition, as in Istio.</summary>
    public static StringMatchConfig? String(StringMatch? match) =>
        match switch
        {
            { Exact: { } exact } => new StringMatchConfig(StringMatchKind.Exact, exact),
            { Prefix: { } prefix } => new StringMatchConfig(StringMatchKind.Prefix, prefix),
            { Regex: { } regex } => new StringMatchConfig(StringMatchKind.Regex, regex),
            _ => null,
        };

    private static IReadOnlyList<KeyedMatchConfig> Keyed(IReadOnlyDictionary<string, StringMatch>? matches, bool lowerCaseNames)
    {
        if (matches is null || matches.Count == 0)
        {
            return [];
        }

        var result = new List<KeyedMatchConfig>(matches.Count);
        foreach (var (name, match) in matches)
        {
            // A present key with an empty StringMatch means "the header/parameter is present": a prefix "" matches that.
            var condition = String(match) ?? new StringMatchConfig(StringMatchKind.Prefix, "");
            result.Add(new KeyedMatchConfig(lowerCaseNames ? name.ToLowerInvariant() : name, condition));
        }

        return result;
    }

    /// <summary>The conditions HTTP, TCP and TLS matches share, all about the caller or the listener.</summary>
    public static bool AppliesHere(IReadOnlyDictionary<string, string>? sourceLabels, string? sourceNamespace, IReadOnlyList<string>? gateways, int? port,
        CompilationContext context, RouteScope scope) =>
        Labels.IsSubset(sourceLabels, context.NodeLabels)
        && (sourceNamespace is not { Length: > 0 } || sourceNamespace == context.Node.Namespace)
        && (gateways is not { Count: > 0 } || gateways.Any(scope.Includes))
        && (port is not { } p || p == 0 || p == scope.Port);
}
