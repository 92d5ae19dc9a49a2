using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>Istio HTTPRoute to <see cref="RouteConfig"/>.</summary>
internal sealed class RouteTranslator(CompilationContext context)
{
    /// <summary>
    /// Istio's retry policy for a route without <c>retries</c> (pilot's retry.DefaultPolicy): 2 retries on connect
    /// failure, refused stream, gRPC unavailable/cancelled and HTTP 503.
    /// </summary>
    public static readonly RetryConfig DefaultRetry = new()
    {
        Attempts = 2,
        RetryOn = ["connect-failure", "refused-stream", "unavailable", "cancelled", "retriable-status-codes"],
        RetriableStatusCodes = [503],
    };

    /// <summary>The route a host gets when no VirtualService applies: everything to the default cluster.</summary>
    public static RouteConfig Default(string cluster) => new()
    {
        Name = "default",
        Clusters = [new WeightedClusterConfig { Cluster = cluster, Weight = 100 }],
        Retry = DefaultRetry,
    };

    /// <summary>A VirtualService's http routes for a scope, delegating routes expanded (see <see cref="DelegateExpander"/>).</summary>
    public List<RouteConfig> TranslateHttp(Typed<VirtualServiceSpec> vs, RouteScope scope)
    {
        var routes = new List<RouteConfig>(vs.Spec.Http?.Count ?? 0);
        foreach (var (owner, route, index) in new DelegateExpander(context).Expand(vs))
        {
            if (Translate(owner, route, index, owner == vs ? scope : scope with { Namespace = owner.Namespace }) is { } compiled)
            {
                routes.Add(compiled);
            }
        }

        return routes;
    }

    /// <summary>Null when every match block was dropped for this node or scope (the route can never match here).</summary>
    public RouteConfig? Translate(Typed<VirtualServiceSpec> vs, HttpRoute route, int index, RouteScope scope)
    {
        var referrer = $"VirtualService {vs.Namespace}/{vs.Name}: spec.http[{index}]";
        var matches = new List<RouteMatchConfig>(route.Match?.Count ?? 0);
        foreach (var match in route.Match ?? [])
        {
            if (MatchTranslator.Translate(match, context, scope) is { } compiled)
            {
                matches.Add(compiled);
            }
        }

        if (route.Match is { Count: > 0 } && matches.Count == 0)
        {
            return null;
        }

        return new RouteConfig
        {
            Name = route.Name ?? $"{vs.Namespace}.{vs.Name}.{index}",
            Matches = matches,
            Clusters = Destinations(vs, route, scope, referrer),
            Redirect = Redirect(route.Redirect),
            DirectResponse = route.DirectResponse is { } direct ? new DirectResponseConfig(direct.Status ?? 200, direct.Body?.String) : null,
            Rewrite = Rewrite(route.Rewrite),
            Timeout = IstioDuration.ParseOrNull(route.Timeout) is { } timeout && timeout > TimeSpan.Zero ? timeout : null,
            Retry = Retry(route.Retries),
            Fault = Fault(route.Fault),
            Mirror = Mirror(vs, route, scope, referrer),
            RequestHeaders = HeaderOps(route.Headers?.Request),
            ResponseHeaders = HeaderOps(route.Headers?.Response),
        };
    }

    private List<WeightedClusterConfig> Destinations(Typed<VirtualServiceSpec> vs, HttpRoute route, RouteScope scope, string referrer)
    {
        var destinations = route.Route ?? [];
        var result = new List<WeightedClusterConfig>(destinations.Count);
        for (var i = 0; i < destinations.Count; i++)
        {
            var destination = destinations[i];
            if (destination.Destination?.Host is not { Length: > 0 } host)
            {
                continue;
            }

            // Istio ignores the weight of a lone destination and drops zero-weight ones from a split.
            var weight = destinations.Count == 1 ? 100 : destination.Weight ?? 0;
            if (weight == 0 && destinations.Count > 1)
            {
                continue;
            }

            result.Add(new WeightedClusterConfig
            {
                Cluster = Cluster(vs, destination.Destination, scope, $"{referrer}.route[{i}]"),
                Weight = weight,
                RequestHeaders = HeaderOps(destination.Headers?.Request),
                ResponseHeaders = HeaderOps(destination.Headers?.Response),
            });
        }

        return result;
    }

    /// <summary>
    /// A tcp or tls route for this scope, or null when none of its match blocks applies here. A tls route keeps the
    /// SNI hosts of the blocks that apply; a route with no match applies everywhere.
    /// </summary>
    public TcpRouteConfig? TranslateL4(Typed<VirtualServiceSpec> vs, string kind, int index, IReadOnlyList<RouteDestination>? destinations,
        IReadOnlyList<(IReadOnlyList<string>? SniHosts, bool Applies)> matches, RouteScope scope)
    {
        if (matches.Count > 0 && !matches.Any(m => m.Applies))
        {
            return null;
        }

        var referrer = $"VirtualService {vs.Namespace}/{vs.Name}: spec.{kind}[{index}]";
        var sni = matches.Where(m => m.Applies).SelectMany(m => m.SniHosts ?? []).Select(h => h.ToLowerInvariant()).Distinct().ToList();
        var list = destinations ?? [];
        var clusters = new List<WeightedClusterConfig>(list.Count);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i].Destination is not { Host.Length: > 0 } destination)
            {
                continue;
            }

            var weight = list.Count == 1 ? 100 : list[i].Weight ?? 0;
            if (weight > 0 || list.Count == 1)
            {
                clusters.Add(new WeightedClusterConfig { Cluster = Cluster(vs, destination, scope, $"{referrer}.route[{i}]"), Weight = weight });
            }
        }

        return new TcpRouteConfig { Name = $"{vs.Namespace}.{vs.Name}.{kind}.{index}", SniHosts = sni, Clusters = clusters };
    }

    /// <summary>
    /// The destination port defaults to the service's only port, else to the port being routed (Istio requires the
    /// port when a service has several; we fall back instead of failing).
    /// </summary>
    private string Cluster(Typed<VirtualServiceSpec> vs, Destination destination, RouteScope scope, string referrer)
    {
        var fqdn = context.Resolve(destination.Host!, vs.Namespace);
        var service = context.Catalog.Find(fqdn);
        var port = destination.Port?.Number ?? DefaultPort(service, scope.Port);
        var subset = string.IsNullOrEmpty(destination.Subset) ? null : destination.Subset;
        return context.ClusterBuilder.Ensure(fqdn, port, subset, referrer);
    }

    private static int DefaultPort(ServiceModel? service, int routedPort) =>
        service is null || service.Ports.Count == 0 ? routedPort :
        service.Ports.Count == 1 ? service.Ports[0].Number :
        service.FindPort(routedPort) is not null ? routedPort : service.Ports[0].Number;

    private MirrorConfig? Mirror(Typed<VirtualServiceSpec> vs, HttpRoute route, RouteScope scope, string referrer)
    {
        if (route.Mirror?.Host is not { Length: > 0 })
        {
            return null;
        }

        var percent = route.MirrorPercentage?.Value ?? route.MirrorPercent ?? 100;
        return new MirrorConfig(Cluster(vs, route.Mirror, scope, $"{referrer}.mirror"), percent);
    }

    private static RedirectConfig? Redirect(HttpRedirect? redirect) => redirect is null ? null : new RedirectConfig
    {
        Uri = redirect.Uri,
        Authority = redirect.Authority,
        Port = redirect.Port,
        Scheme = redirect.Scheme,
        Code = redirect.RedirectCode ?? 301,
    };

    private static RewriteConfig? Rewrite(HttpRewrite? rewrite) => rewrite is null ? null : new RewriteConfig
    {
        Uri = rewrite.Uri,
        Authority = rewrite.Authority,
        RegexMatch = rewrite.UriRegexRewrite?.Match,
        RegexReplacement = rewrite.UriRegexRewrite?.Rewrite,
    };

    /// <summary>
    /// As in Istio: no <c>retries</c> means the default policy, attempts 0 (or absent) disables retries, and status
    /// codes inside retryOn imply <c>retriable-status-codes</c>.
    /// </summary>
    public static RetryConfig Retry(HttpRetry? retries)
    {
        if (retries is null)
        {
            return DefaultRetry;
        }

        if (retries.Attempts is not > 0)
        {
            return new RetryConfig { Attempts = 0 };
        }

        var conditions = DefaultRetry.RetryOn;
        IReadOnlyList<int> codes = DefaultRetry.RetriableStatusCodes;
        if (!string.IsNullOrWhiteSpace(retries.RetryOn))
        {
            var parsedConditions = new List<string>();
            var parsedCodes = new List<int>();
            foreach (var part in retries.RetryOn.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(part, out var code))
                {
                    parsedCodes.Add(code);
                }
                else if (!parsedConditions.Contains(part))
                {
                    parsedConditions.Add(part);
                }
            }

            if (parsedCodes.Count > 0 && !parsedConditions.Contains("retriable-status-codes"))
            {
                parsedConditions.Add("retriable-status-codes");
            }

            conditions = parsedConditions;
            codes = parsedCodes;
        }

        return new RetryConfig
        {
            Attempts = retries.Attempts.Value,
            PerTryTimeout = IstioDuration.ParseOrNull(retries.PerTryTimeout),
            RetryOn = conditions,
            RetriableStatusCodes = codes,
        };
    }

    /// <summary>Without <c>percentage</c> or the deprecated <c>percent</c>, a fault applies to every request.</summary>
    public static FaultConfig? Fault(HttpFaultInjection? fault)
    {
        if (fault is null)
        {
            return null;
        }

        var delay = fault.Delay is { } d && IstioDuration.TryParse(d.FixedDelay, out var fixedDelay)
            ? new DelayFaultConfig(fixedDelay, d.Percentage?.Value ?? d.Percent ?? 100)
            : null;
        var abort = fault.Abort is { HttpStatus: { } status } a
            ? new AbortFaultConfig(status, a.Percentage?.Value ?? a.Percent ?? 100)
            : null;
        return delay is null && abort is null ? null : new FaultConfig { Delay = delay, Abort = abort };
    }

    public static HeaderOperationsConfig? HeaderOps(HeaderOperations? ops) =>
        ops is null ? null : new HeaderOperationsConfig
        {
            Set = ops.Set ?? Labels.Empty,
            Add = ops.Add ?? Labels.Empty,
            Remove = ops.Remove ?? [],
        };
}
