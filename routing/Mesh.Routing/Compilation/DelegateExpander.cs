using Mesh.Contracts.Istio.Networking;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Istio's delegate VirtualServices: a root route with <c>delegate</c> is replaced by the http routes of the named
/// VirtualService (one without hosts, exported to the root's namespace), each with its matches merged into the
/// root route's. A delegate match must narrow the root's (a URI prefix under the root's prefix, equal values for
/// the rest); a combination that cannot hold is dropped with a warning, as istiod does. One level only.
/// </summary>
internal sealed class DelegateExpander(CompilationContext context)
{
    /// <summary>The routes to translate for <paramref name="vs"/>: its own, with each delegating route expanded in place.</summary>
    public IEnumerable<(Typed<VirtualServiceSpec> Owner, HttpRoute Route, int Index)> Expand(Typed<VirtualServiceSpec> vs)
    {
        var http = vs.Spec.Http ?? [];
        for (var i = 0; i < http.Count; i++)
        {
            if (http[i].Delegate is not { Name.Length: > 0 } reference)
            {
                yield return (vs, http[i], i);
                continue;
            }

            var ns = string.IsNullOrEmpty(reference.Namespace) ? vs.Namespace : reference.Namespace;
            var target = context.Index.VirtualServices.FirstOrDefault(v => v.Name == reference.Name && v.Namespace == ns && v.Spec.Hosts is not { Count: > 0 });
            if (target is null || !ResourceIndex.VisibleTo(target.Spec.ExportTo, target.Resource, vs.Namespace))
            {
                context.Warnings.Add($"VirtualService {vs.Namespace}/{vs.Name}: spec.http[{i}].delegate {ns}/{reference.Name} is not a delegate VirtualService visible to {vs.Namespace}; the route is skipped");
                continue;
            }

            var delegated = target.Spec.Http ?? [];
            for (var d = 0; d < delegated.Count; d++)
            {
                if (delegated[d].Delegate is not null)
                {
                    continue; // validation refuses nested delegates; istiod ignores them
                }

                if (Merge(http[i].Match, delegated[d].Match) is { } matches)
                {
                    yield return (target, delegated[d] with { Match = matches, Name = delegated[d].Name ?? $"{target.Namespace}.{target.Name}.{d}" }, d);
                }
                else
                {
                    context.Warnings.Add($"VirtualService {target.Namespace}/{target.Name}: spec.http[{d}] cannot narrow the match of its root {vs.Namespace}/{vs.Name} spec.http[{i}]; skipped");
                }
            }
        }
    }

    /// <summary>Every root match combined with every delegate match; null when none of the combinations can hold.</summary>
    internal static IReadOnlyList<HttpMatchRequest>? Merge(IReadOnlyList<HttpMatchRequest>? root, IReadOnlyList<HttpMatchRequest>? delegated)
    {
        if (root is not { Count: > 0 })
        {
            return delegated;
        }

        if (delegated is not { Count: > 0 })
        {
            return root;
        }

        var merged = new List<HttpMatchRequest>();
        foreach (var r in root)
        {
            foreach (var d in delegated)
            {
                if (Merge(r, d) is { } match)
                {
                    merged.Add(match);
                }
            }
        }

        return merged.Count > 0 ? merged : null;
    }

    private static HttpMatchRequest? Merge(HttpMatchRequest root, HttpMatchRequest d)
    {
        if (!Narrows(root.Uri, d.Uri) || !Same(root.Method, d.Method) || !Same(root.Authority, d.Authority) || !Same(root.Scheme, d.Scheme)
            || (root.Port is { } p && d.Port is { } q && p != q) || (root.SourceNamespace is { } a && d.SourceNamespace is { } b && a != b))
        {
            return null;
        }

        var headers = Union(root.Headers, d.Headers);
        var query = Union(root.QueryParams, d.QueryParams);
        var without = Union(root.WithoutHeaders, d.WithoutHeaders);
        if (headers.Conflict || query.Conflict || without.Conflict)
        {
            return null;
        }

        return d with
        {
            Uri = d.Uri ?? root.Uri,
            Method = d.Method ?? root.Method,
            Authority = d.Authority ?? root.Authority,
            Scheme = d.Scheme ?? root.Scheme,
            Headers = headers.Result,
            QueryParams = query.Result,
            WithoutHeaders = without.Result,
            Port = d.Port ?? root.Port,
            SourceLabels = d.SourceLabels ?? root.SourceLabels,
            SourceNamespace = d.SourceNamespace ?? root.SourceNamespace,
            Gateways = d.Gateways ?? root.Gateways,
            IgnoreUriCase = (d.IgnoreUriCase ?? false) || (root.IgnoreUriCase ?? false) ? true : null,
        };
    }

    /// <summary>The delegate's URI condition must be the root's or lie under the root's prefix.</summary>
    private static bool Narrows(StringMatch? root, StringMatch? d) =>
        root is null || d is null || root == d
        || (root.Prefix is { } prefix && ((d.Prefix ?? d.Exact) is { } under) && under.StartsWith(prefix, StringComparison.Ordinal));

    private static bool Same(StringMatch? root, StringMatch? d) => root is null || d is null || root == d;

    private static (IReadOnlyDictionary<string, StringMatch>? Result, bool Conflict) Union(IReadOnlyDictionary<string, StringMatch>? root, IReadOnlyDictionary<string, StringMatch>? d)
    {
        if (root is not { Count: > 0 } || d is not { Count: > 0 })
        {
            return (d is { Count: > 0 } ? d : root, false);
        }

        var result = new Dictionary<string, StringMatch>(root, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, match) in d)
        {
            if (result.TryGetValue(name, out var existing) && existing != match)
            {
                return (null, true);
            }

            result[name] = match;
        }

        return (result, false);
    }
}
