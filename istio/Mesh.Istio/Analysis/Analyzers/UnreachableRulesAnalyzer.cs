using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// Istio's unreachable-rule checks (IST0130 VirtualServiceUnreachableRule, IST0131 VirtualServiceIneffectiveMatch) for
/// http, tcp and tls routes: a rule after a catch-all, a second catch-all, a match identical to an earlier one, and
/// (http) a uri prefix already covered by an earlier prefix with the same other conditions.
/// </summary>
internal sealed class UnreachableRulesAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        foreach (var (resource, spec) in context.Of<VirtualServiceSpec>(ResourceKinds.VirtualService))
        {
            var http = spec.Http ?? [];
            Rules(context, resource, "http", http.Select((r, i) => (Name(r.Name, i), (IReadOnlyList<object>?)r.Match?.Cast<object>().ToList(), (Func<object, int, string>)((m, n) => Name(((HttpMatchRequest)m).Name, n)))).ToList());
            Prefixes(context, resource, http);
            Rules(context, resource, "tcp", (spec.Tcp ?? []).Select((r, i) => ($"#{i}", (IReadOnlyList<object>?)r.Match?.Cast<object>().ToList(), (Func<object, int, string>)((_, n) => $"#{n}"))).ToList());
            Rules(context, resource, "tls", (spec.Tls ?? []).Select((r, i) => ($"#{i}", (IReadOnlyList<object>?)r.Match?.Cast<object>().ToList(), (Func<object, int, string>)((_, n) => $"#{n}"))).ToList());
        }
    }

    private static string Name(string? name, int index) => string.IsNullOrEmpty(name) ? $"#{index}" : $"\"{name}\"";

    private static void Rules(AnalysisContext context, MeshResource resource, string kind, List<(string Name, IReadOnlyList<object>? Matches, Func<object, int, string> MatchName)> rules)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var catchAll = -1;
        for (var i = 0; i < rules.Count; i++)
        {
            var (name, matches, matchName) = rules[i];
            var path = $"spec.{kind}[{i}]";
            if (matches is not { Count: > 0 })
            {
                if (catchAll >= 0)
                {
                    context.Report(resource, IstioMessage.VirtualServiceUnreachableRule, path, name, "only the last rule can have no matches");
                }

                catchAll = i;
                continue;
            }

            var duplicates = 0;
            for (var m = 0; m < matches.Count; m++)
            {
                if (catchAll >= 0)
                {
                    context.Report(resource, IstioMessage.VirtualServiceUnreachableRule, path, name, "route without matches defined before");
                    continue;
                }

                var key = MeshJson.ToElement(matches[m]).GetRawText();
                if (seen.TryGetValue(key, out var earlier))
                {
                    context.Report(resource, IstioMessage.VirtualServiceIneffectiveMatch, $"{path}.match[{m}]", name, matchName(matches[m], m), rules[earlier].Name);
                    duplicates++;
                }
                else
                {
                    seen[key] = i;
                }
            }

            if (duplicates == matches.Count)
            {
                context.Report(resource, IstioMessage.VirtualServiceUnreachableRule, path, name, "all matches used by prior rules");
            }
        }
    }

    /// <summary>A later uri prefix that starts with an earlier one, all else equal, can never be reached.</summary>
    private static void Prefixes(AnalysisContext context, MeshResource resource, IReadOnlyList<HttpRoute> http)
    {
        // Exact duplicates are already reported as such; only the first of them takes part here.
        var prefixes = new List<(int Rule, int Match, string Prefix, string Others)>();
        var whole = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < http.Count; i++)
        {
            var matches = http[i].Match ?? [];
            for (var m = 0; m < matches.Count; m++)
            {
                if (whole.Add(MeshJson.ToElement(matches[m]).GetRawText()) && matches[m].Uri?.Prefix is { Length: > 0 } prefix)
                {
                    var rest = MeshJson.ToElement(matches[m] with { Uri = null, Name = null }).GetRawText();
                    prefixes.Add((i, m, prefix, rest));
                }
            }
        }

        for (var a = 0; a < prefixes.Count; a++)
        {
            for (var b = a + 1; b < prefixes.Count; b++)
            {
                var (earlier, later) = (prefixes[a], prefixes[b]);
                if (later.Prefix != earlier.Prefix && later.Prefix.StartsWith(earlier.Prefix, StringComparison.Ordinal) && later.Others == earlier.Others)
                {
                    var laterName = Name(http[later.Rule].Name, later.Rule);
                    context.Report(resource, IstioMessage.VirtualServiceIneffectiveMatch, $"spec.http[{later.Rule}].match[{later.Match}]", laterName,
                        $"{Name(http[later.Rule].Match![later.Match].Name, later.Match)} of prefix {later.Prefix}",
                        $"{Name(http[earlier.Rule].Match![earlier.Match].Name, earlier.Match)} of prefix {earlier.Prefix} on {Name(http[earlier.Rule].Name, earlier.Rule)}");
                }
            }
        }
    }
}
