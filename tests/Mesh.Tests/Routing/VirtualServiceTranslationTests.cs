using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

public sealed class VirtualServiceTranslationTests
{
    private const string Subsets = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          subsets:
          - { name: v1, labels: { version: v1 } }
          - { name: v2, labels: { version: v2 } }
          - { name: v3, labels: { version: v3 } }
        ---
        """;

    private static string Vs(string http, string extra = "") => Subsets + "\n" + $"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: {"{"} name: reviews {"}"}
        spec:
          hosts: [reviews]
        {extra}
          http:
        {http}
        """;

    private const string ToV1 = """
            route:
            - destination: { host: reviews, subset: v1 }
        """;

    public static TheoryData<string, string, Func<ProxyConfig, object?>, object?> Cases => new()
    {
        { "no VS: default route to the default cluster", "", c => Weights(Route(c)), $"outbound|9080||{Reviews}=100" },
        { "no VS: Istio default retry policy", "", c => $"{Route(c).Retry!.Attempts}|{string.Join(",", Route(c).Retry!.RetryOn)}|{string.Join(",", Route(c).Retry!.RetriableStatusCodes)}",
            "2|connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes|503" },
        { "weights 90/10 to subsets", Vs("""
              - route:
                - { destination: { host: reviews, subset: v1 }, weight: 90 }
                - { destination: { host: reviews, subset: v2 }, weight: 10 }
            """), c => Weights(Route(c)), $"outbound|9080|v1|{Reviews}=90,outbound|9080|v2|{Reviews}=10" },
        { "single destination without weight gets 100", Vs(ToV1.Replace("    route", "  - route")), c => Weights(Route(c)), $"outbound|9080|v1|{Reviews}=100" },
        { "zero-weight destination dropped from a split", Vs("""
              - route:
                - { destination: { host: reviews, subset: v1 }, weight: 100 }
                - { destination: { host: reviews, subset: v2 }, weight: 0 }
            """), c => Weights(Route(c)), $"outbound|9080|v1|{Reviews}=100" },
        { "routes keep order, first match wins", Vs("""
              - match: [ { headers: { end-user: { exact: jason } } } ]
                route: [ { destination: { host: reviews, subset: v2 } } ]
              - route: [ { destination: { host: reviews, subset: v3 } } ]
            """), c => $"{Format(Route(c, 0).Matches[0].Headers)} -> {Route(c, 0).Clusters[0].Cluster}; {Route(c, 1).Matches.Count} -> {Route(c, 1).Clusters[0].Cluster}",
            $"end-user=Exact:jason -> outbound|9080|v2|{Reviews}; 0 -> outbound|9080|v3|{Reviews}" },
        { "uri exact/prefix/regex", Vs("""
              - match: [ { uri: { exact: /a } }, { uri: { prefix: /b } }, { uri: { regex: "/c/[0-9]+" } } ]
                route: [ { destination: { host: reviews } } ]
            """), c => string.Join(" ", Route(c).Matches.Select(m => Format(m.Path))), "Exact:/a Prefix:/b Regex:/c/[0-9]+" },
        { "method, authority, scheme, port, ignoreUriCase", Vs("""
              - match: [ { method: { exact: GET }, authority: { prefix: reviews }, scheme: { exact: http }, port: 9080, ignoreUriCase: true, uri: { prefix: /API } } ]
                route: [ { destination: { host: reviews } } ]
            """), c => Route(c).Matches[0] is var m ? $"{Format(m.Method)} {Format(m.Authority)} {Format(m.Scheme)} {m.Port} {m.IgnoreUriCase} {Format(m.Path)}" : null,
            "Exact:GET Prefix:reviews Exact:http 9080 True Prefix:/API" },
        { "headers are lower-cased; queryParams and withoutHeaders", Vs("""
              - match: [ { headers: { X-User: { regex: "a.*" } }, queryParams: { debug: { exact: "1" } }, withoutHeaders: { x-skip: {} } } ]
                route: [ { destination: { host: reviews } } ]
            """), c => Route(c).Matches[0] is var m ? $"{Format(m.Headers)} {Format(m.QueryParams)} {Format(m.WithoutHeaders)}" : null,
            "x-user=Regex:a.* debug=Exact:1 x-skip=Prefix:" },
        { "match on another port is dropped, route removed", Vs("""
              - match: [ { port: 8080 } ]
                route: [ { destination: { host: reviews, subset: v2 } } ]
              - route: [ { destination: { host: reviews, subset: v1 } } ]
            """), c => $"{Host(c).Routes.Count} {Route(c).Clusters[0].Cluster}", $"1 outbound|9080|v1|{Reviews}" },
        { "sourceLabels matching the node keep the match", Vs("""
              - match: [ { sourceLabels: { app: productpage }, headers: { a: { exact: b } } } ]
                route: [ { destination: { host: reviews, subset: v2 } } ]
            """), c => $"{Host(c).Routes.Count} {Format(Route(c).Matches[0].Headers)}", "1 a=Exact:b" },
        { "sourceLabels not matching the node drop the route", Vs("""
              - match: [ { sourceLabels: { app: ratings } } ]
                route: [ { destination: { host: reviews, subset: v2 } } ]
              - route: [ { destination: { host: reviews, subset: v1 } } ]
            """), c => $"{Host(c).Routes.Count} {Route(c).Clusters[0].Cluster}", $"1 outbound|9080|v1|{Reviews}" },
        { "sourceLabels drop only the non-matching match block", Vs("""
              - match: [ { sourceLabels: { app: ratings }, uri: { prefix: /x } }, { uri: { prefix: /y } } ]
                route: [ { destination: { host: reviews, subset: v2 } } ]
            """), c => string.Join(",", Route(c).Matches.Select(m => Format(m.Path))), "Prefix:/y" },
        { "sourceNamespace other than the node's drops the route", Vs("""
              - match: [ { sourceNamespace: other } ]
                route: [ { destination: { host: reviews, subset: v2 } } ]
              - route: [ { destination: { host: reviews, subset: v1 } } ]
            """), c => Host(c).Routes.Count, 1 },
        { "VS bound only to a gateway does not route the mesh", Vs(ToV1.Replace("    route", "  - route"), "  gateways: [bookinfo-gateway]"), c => Route(c).Name, "default" },
        { "VS bound to gateway and mesh routes the mesh", Vs(ToV1.Replace("    route", "  - route"), "  gateways: [bookinfo-gateway, mesh]"), c => Route(c).Clusters[0].Cluster, $"outbound|9080|v1|{Reviews}" },
        { "rewrite uri and authority", Vs("""
              - rewrite: { uri: /v2/, authority: reviews.internal }
                route: [ { destination: { host: reviews } } ]
            """), c => $"{Route(c).Rewrite!.Uri} {Route(c).Rewrite!.Authority}", "/v2/ reviews.internal" },
        { "regex rewrite", Vs("""
              - rewrite: { uriRegexRewrite: { match: "^/old/(.*)$", rewrite: "/new/\\1" } }
                route: [ { destination: { host: reviews } } ]
            """), c => $"{Route(c).Rewrite!.RegexMatch} {Route(c).Rewrite!.RegexReplacement}", "^/old/(.*)$ /new/\\1" },
        { "redirect with default code 301", Vs("""
              - redirect: { uri: /new, authority: example.com, scheme: https, port: 8443 }
            """), c => Route(c).Redirect is var r ? $"{r!.Uri} {r.Authority} {r.Scheme} {r.Port} {r.Code} {Route(c).Clusters.Count}" : null, "/new example.com https 8443 301 0" },
        { "redirect code", Vs("""
              - redirect: { uri: /new, redirectCode: 308 }
            """), c => Route(c).Redirect!.Code, 308 },
        { "directResponse", Vs("""
              - directResponse: { status: 418, body: { string: teapot } }
            """), c => $"{Route(c).DirectResponse!.Status} {Route(c).DirectResponse!.Body}", "418 teapot" },
        { "timeout 1.5s", Vs(ToV1.Replace("    route", "  - timeout: 1.5s\n    route")), c => Route(c).Timeout, TimeSpan.FromMilliseconds(1500) },
        { "timeout 0s disables", Vs(ToV1.Replace("    route", "  - timeout: 0s\n    route")), c => Route(c).Timeout, null },
        { "retries with codes in retryOn", Vs(ToV1.Replace("    route", "  - retries: { attempts: 3, perTryTimeout: 250ms, retryOn: \"gateway-error,connect-failure,503,429\" }\n    route")),
            c => Route(c).Retry is var r ? $"{r!.Attempts} {r.PerTryTimeout} {string.Join(",", r.RetryOn)} {string.Join(",", r.RetriableStatusCodes)}" : null,
            "3 00:00:00.2500000 gateway-error,connect-failure,retriable-status-codes 503,429" },
        { "retries without retryOn keep Istio's default conditions", Vs(ToV1.Replace("    route", "  - retries: { attempts: 5 }\n    route")),
            c => $"{Route(c).Retry!.Attempts} {Route(c).Retry!.RetryOn.Count} {string.Join(",", Route(c).Retry!.RetriableStatusCodes)}", "5 5 503" },
        { "retries attempts 0 disables", Vs(ToV1.Replace("    route", "  - retries: { attempts: 0 }\n    route")), c => Route(c).Retry!.Attempts, 0 },
        { "fault delay with percentage", Vs(ToV1.Replace("    route", "  - fault: { delay: { fixedDelay: 7s, percentage: { value: 12.5 } } }\n    route")),
            c => $"{Route(c).Fault!.Delay!.Delay.TotalSeconds} {Route(c).Fault!.Delay!.Percent} {Route(c).Fault!.Abort is null}", "7 12.5 True" },
        { "fault delay with deprecated percent", Vs(ToV1.Replace("    route", "  - fault: { delay: { fixedDelay: 1h, percent: 30 } }\n    route")),
            c => $"{Route(c).Fault!.Delay!.Delay.TotalHours} {Route(c).Fault!.Delay!.Percent}", "1 30" },
        { "fault abort without percentage applies to all", Vs(ToV1.Replace("    route", "  - fault: { abort: { httpStatus: 555 } }\n    route")),
            c => $"{Route(c).Fault!.Abort!.Status} {Route(c).Fault!.Abort!.Percent}", "555 100" },
        { "fault abort with percentage", Vs(ToV1.Replace("    route", "  - fault: { abort: { httpStatus: 500, percentage: { value: 100.0 } } }\n    route")),
            c => $"{Route(c).Fault!.Abort!.Status} {Route(c).Fault!.Abort!.Percent}", "500 100" },
        { "mirror with mirrorPercentage", Vs(ToV1.Replace("    route", "  - mirror: { host: reviews, subset: v3 }\n    mirrorPercentage: { value: 25.5 }\n    route")),
            c => $"{Route(c).Mirror!.Cluster} {Route(c).Mirror!.Percent}", $"outbound|9080|v3|{Reviews} 25.5" },
        { "mirror with deprecated mirrorPercent", Vs(ToV1.Replace("    route", "  - mirror: { host: reviews, subset: v3 }\n    mirrorPercent: 10\n    route")), c => Route(c).Mirror!.Percent, 10.0 },
        { "mirror defaults to 100 percent", Vs(ToV1.Replace("    route", "  - mirror: { host: ratings }\n    route")), c => $"{Route(c).Mirror!.Cluster} {Route(c).Mirror!.Percent}", $"outbound|9080||{Ratings} 100" },
        { "route-level header operations", Vs(ToV1.Replace("    route", "  - headers: { request: { set: { x-a: \"1\" }, add: { x-b: \"2\" }, remove: [x-c] }, response: { remove: [server] } }\n    route")),
            c => $"{Format(Route(c).RequestHeaders)} {Format(Route(c).ResponseHeaders)}", "set[x-a=1] add[x-b=2] remove[x-c] set[] add[] remove[server]" },
        { "destination-level header operations", Vs("""
              - route:
                - destination: { host: reviews, subset: v1 }
                  headers: { request: { set: { x-version: v1 } }, response: { add: { x-served-by: v1 } } }
            """), c => $"{Format(Route(c).Clusters[0].RequestHeaders)} {Format(Route(c).Clusters[0].ResponseHeaders)}", "set[x-version=v1] add[] remove[] set[] add[x-served-by=v1] remove[]" },
        { "destination port selects the cluster port", Vs("""
              - route: [ { destination: { host: ratings, port: { number: 9080 } } } ]
            """), c => Route(c).Clusters[0].Cluster, $"outbound|9080||{Ratings}" },
        { "undefined subset: empty cluster and a warning", Vs("""
              - route: [ { destination: { host: reviews, subset: v9 } } ]
            """), c => $"{Cluster(c, "v9").Endpoints.Count} {c.Warnings.Any(w => w.Contains("\"v9\"", StringComparison.Ordinal))}", "0 True" },
        { "unknown host: empty cluster and a warning", Vs("""
              - route: [ { destination: { host: nowhere } } ]
            """), c => $"{Route(c).Clusters[0].Cluster} {c.Warnings.Any(w => w.Contains("nowhere.default.svc.cluster.local", StringComparison.Ordinal))}", "outbound|9080||nowhere.default.svc.cluster.local True" },
        { "route name from the VS or generated", Vs("""
              - name: named
                route: [ { destination: { host: reviews } } ]
              - route: [ { destination: { host: reviews } } ]
            """), c => $"{Route(c, 0).Name} {Route(c, 1).Name}", "named default.reviews.1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_VirtualService_TranslatesField(string scenario, string yaml, Func<ProxyConfig, object?> actual, object? expected)
    {
        var config = Compile(yaml);

        Assert.True(Equals(expected, actual(config)), $"{scenario}: expected <{expected}>, got <{actual(config)}>");
    }
}
