using Mesh.Contracts.Istio.Networking;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Validation;

/// <summary>Istio's VirtualService rules for the http routes the mesh implements.</summary>
internal static class VirtualServiceValidator
{
    private static readonly string[] RetryConditions =
        ["5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream",
         "retriable-status-codes", "retriable-headers", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];

    private static readonly int[] RedirectCodes = [301, 302, 303, 307, 308];

    public static void Validate(VirtualServiceSpec spec, VirtualServiceExtras extras, ValidationContext context)
    {
        var gateways = spec.Gateways ?? [];
        var meshBound = gateways.Count == 0 || gateways.Contains("mesh");

        // Istio reads a VirtualService without hosts as a delegate: only a root VirtualService's http routes reach it.
        var isDelegate = spec.Hosts is not { Count: > 0 };
        if (isDelegate)
        {
            if (gateways.Count > 0)
            {
                context.Error("spec.gateways", "delegate virtual service must have no gateways specified");
            }

            if (spec.Tls is { Count: > 0 })
            {
                context.Error("spec.tls", "delegate virtual service must have no tls route specified");
            }

            if (spec.Tcp is { Count: > 0 })
            {
                context.Error("spec.tcp", "delegate virtual service must have no tcp route specified");
            }
        }

        if (spec.Http is not { Count: > 0 } && spec.Tcp is not { Count: > 0 } && spec.Tls is not { Count: > 0 })
        {
            context.Error("spec", "http, tcp or tls must be provided in virtual service");
        }

        for (var i = 0; i < (spec.Hosts?.Count ?? 0); i++)
        {
            var host = spec.Hosts![i];
            context.Required($"spec.hosts[{i}]", host);
            if (host == "*" && meshBound)
            {
                context.Error($"spec.hosts[{i}]", "\"*\" is only allowed in a VirtualService bound to gateways (not mesh)");
            }
        }

        for (var i = 0; i < gateways.Count; i++)
        {
            if (!Dns1123.IsOptionallyNamespaced(gateways[i]))
            {
                context.Error($"spec.gateways[{i}]", $"\"{gateways[i]}\" must be a gateway name, namespace/name, or mesh");
            }
        }

        for (var i = 0; i < (spec.Http?.Count ?? 0); i++)
        {
            var routeExtras = extras.Http is { } list && i < list.Count ? list[i] : null;
            Route(spec.Http![i], routeExtras, isDelegate, $"spec.http[{i}]", context);
        }

        for (var i = 0; i < (spec.Tcp?.Count ?? 0); i++)
        {
            var tcp = spec.Tcp![i];
            for (var m = 0; m < (tcp.Match?.Count ?? 0); m++)
            {
                L4Match(tcp.Match![m].DestinationSubnets, tcp.Match[m].Port, tcp.Match[m].Gateways, $"spec.tcp[{i}].match[{m}]", context);
            }

            L4Destinations(tcp.Route, $"spec.tcp[{i}]", "TCP", context);
        }

        for (var i = 0; i < (spec.Tls?.Count ?? 0); i++)
        {
            TlsRoute(spec.Tls![i], spec.Hosts ?? [], $"spec.tls[{i}]", context);
        }

        Visibility.Check("spec.exportTo", spec.ExportTo, serviceEntry: false, context);
    }

    private static void TlsRoute(TlsRoute tls, IReadOnlyList<string> hosts, string path, ValidationContext context)
    {
        if (tls.Match is not { Count: > 0 })
        {
            context.Error($"{path}.match", "TLS route must have at least one match condition");
        }

        for (var m = 0; m < (tls.Match?.Count ?? 0); m++)
        {
            var match = tls.Match![m];
            var matchPath = $"{path}.match[{m}]";
            if (match.SniHosts is not { Count: > 0 })
            {
                context.Error($"{matchPath}.sniHosts", "TLS match must have at least one SNI host");
            }

            for (var h = 0; h < (match.SniHosts?.Count ?? 0); h++)
            {
                var sni = match.SniHosts![h];
                if (!hosts.Any(host => HostPatterns.IsSubsetOf(sni, host)))
                {
                    context.Error($"{matchPath}.sniHosts[{h}]", $"SNI host \"{sni}\" is not a compatible subset of any of the virtual service hosts: [{string.Join(", ", hosts)}]");
                }
            }

            L4Match(match.DestinationSubnets, match.Port, match.Gateways, matchPath, context);
        }

        L4Destinations(tls.Route, path, "TLS", context);
    }

    private static void L4Match(IReadOnlyList<string>? subnets, int? port, IReadOnlyList<string>? gateways, string path, ValidationContext context)
    {
        for (var s = 0; s < (subnets?.Count ?? 0); s++)
        {
            if (!Dns1123.IsSubnet(subnets![s]))
            {
                context.Error($"{path}.destinationSubnets[{s}]", $"\"{subnets[s]}\" is not an IP address or CIDR block");
            }
        }

        if (port is not (null or 0))
        {
            context.Port($"{path}.port", port);
        }

        for (var g = 0; g < (gateways?.Count ?? 0); g++)
        {
            if (!Dns1123.IsOptionallyNamespaced(gateways![g]))
            {
                context.Error($"{path}.gateways[{g}]", $"\"{gateways[g]}\" must be a gateway name, namespace/name, or mesh");
            }
        }
    }

    private static void L4Destinations(IReadOnlyList<RouteDestination>? route, string path, string kind, ValidationContext context)
    {
        if (route is not { Count: > 0 })
        {
            context.Error($"{path}.route", $"{kind} route is required");
            return;
        }

        var total = 0L;
        for (var d = 0; d < route.Count; d++)
        {
            Destination(route[d].Destination, $"{path}.route[{d}].destination", context);
            context.Range($"{path}.route[{d}].weight", route[d].Weight, 0, 100);
            total += route[d].Weight ?? 0;
        }

        if (route.Count > 1 && total == 0)
        {
            context.Error($"{path}.route", "total destination weight = 0");
        }
    }

    private static void Route(HttpRoute route, HttpRouteExtras? extras, bool inDelegate, string path, ValidationContext context)
    {
        if (route.Delegate is { } target)
        {
            // A root route hands the request to the delegate; its own destinations would never be used.
            if (inDelegate)
            {
                context.Error($"{path}.delegate", "delegate HTTP route cannot contain delegate");
            }

            context.Required($"{path}.delegate.name", target.Name);
            if (route.Redirect is not null)
            {
                context.Error($"{path}.redirect", $"root HTTP route {route.Name} must not specify redirect");
            }

            if (route.Route is not null)
            {
                context.Error($"{path}.route", $"root HTTP route {route.Name} must not specify route");
            }
        }
        else
        {
            var actions = (route.Route is { Count: > 0 } ? 1 : 0) + (route.Redirect is not null ? 1 : 0) + (route.DirectResponse is not null ? 1 : 0);
            if (actions != 1)
            {
                context.Error(path, actions == 0 ? "must have one of route, redirect, directResponse or delegate" : "only one of route, redirect or directResponse may be set");
            }
        }

        for (var m = 0; m < (extras?.Mirrors?.Count ?? 0); m++)
        {
            Destination(extras!.Mirrors![m].Destination, $"{path}.mirrors[{m}].destination", context);
            context.Range($"{path}.mirrors[{m}].percentage.value", extras.Mirrors[m].Percentage?.Value, 0, 100);
        }

        context.Duration($"{path}.retries.backoff", extras?.Retries?.Backoff);
        context.Duration($"{path}.corsPolicy.maxAge", extras?.CorsPolicy?.MaxAge);
        var exponential = extras?.Fault?.Delay?.ExponentialDelay is not null;
        if (exponential)
        {
            // Istio's schema has exponentialDelay, but its validation refuses it; so does the mesh, with the same words.
            context.Error($"{path}.fault.delay.exponentialDelay", "exponentialDelay not supported yet");
        }

        for (var m = 0; m < (route.Match?.Count ?? 0); m++)
        {
            MatchValidator.Validate(route.Match![m], $"{path}.match[{m}]", context);
        }

        Destinations(route.Route ?? [], $"{path}.route", context);
        Actions(route, path, exponential, context);
    }

    private static void Destinations(IReadOnlyList<HttpRouteDestination> destinations, string path, ValidationContext context)
    {
        var sum = 0L;
        for (var d = 0; d < destinations.Count; d++)
        {
            var item = destinations[d];
            Destination(item.Destination, $"{path}[{d}].destination", context);
            context.Range($"{path}[{d}].weight", item.Weight, 0, 100);
            sum += item.Weight ?? 0;
        }

        // Istio accepts a lone destination without a weight; a split must add up to exactly 100.
        if (destinations.Count > 1 && sum != 100)
        {
            context.Error($"{path}[{destinations.Count - 1}].weight", $"weights sum to {sum}, must be 100");
        }
    }

    public static void Destination(Destination? destination, string path, ValidationContext context)
    {
        if (destination is null)
        {
            context.Error(path, "is required");
            return;
        }

        context.Required($"{path}.host", destination.Host);
        if (destination.Subset is { } subset && !Dns1123.IsLabel(subset))
        {
            context.Error($"{path}.subset", $"\"{subset}\" is not a valid subset name (DNS-1123 label)");
        }

        context.Port($"{path}.port.number", destination.Port?.Number);
    }

    private static void Actions(HttpRoute route, string path, bool exponential, ValidationContext context)
    {
        context.Duration($"{path}.timeout", route.Timeout);
        if (route.Retries is { } retries)
        {
            context.NonNegative($"{path}.retries.attempts", retries.Attempts);
            context.Duration($"{path}.retries.perTryTimeout", retries.PerTryTimeout);
            foreach (var condition in (retries.RetryOn ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var isCode = int.TryParse(condition, out var code);
                if (isCode ? code is < 100 or > 599 : !RetryConditions.Contains(condition))
                {
                    context.Error($"{path}.retries.retryOn", $"\"{condition}\" is not a retry condition or HTTP status code");
                }
            }
        }

        if (route.Fault is { } fault)
        {
            if (fault.Delay is null && fault.Abort is null)
            {
                context.Error($"{path}.fault", "must set delay or abort");
            }

            if (fault.Delay is { } delay)
            {
                if (delay.FixedDelay is null && !exponential)
                {
                    // Istio accepts a delay whose oneof is unset; it delays nothing, which is worth saying.
                    context.Warning(IstioFields.NotEnforced, $"{path}.fault.delay", "accepted, not enforced: a delay without fixedDelay injects no delay");
                }

                context.Duration($"{path}.fault.delay.fixedDelay", delay.FixedDelay);
                Percentages($"{path}.fault.delay", delay.Percentage, delay.Percent, context);
            }

            if (fault.Abort is { } abort)
            {
                if (abort.HttpStatus is null)
                {
                    context.Error($"{path}.fault.abort.httpStatus", "is required");
                }

                context.Range($"{path}.fault.abort.httpStatus", abort.HttpStatus, 200, 599);
                Percentages($"{path}.fault.abort", abort.Percentage, abort.Percent, context);
            }
        }

        if (route.Mirror is not null)
        {
            Destination(route.Mirror, $"{path}.mirror", context);
        }

        context.Range($"{path}.mirrorPercentage.value", route.MirrorPercentage?.Value, 0, 100);
        context.Range($"{path}.mirrorPercent", route.MirrorPercent, 0, 100);
        if (route.Redirect is { } redirect)
        {
            if (redirect.RedirectCode is { } code && !RedirectCodes.Contains(code))
            {
                context.Error($"{path}.redirect.redirectCode", $"{code} is not a redirect code, must be one of {string.Join(", ", RedirectCodes)}");
            }

            context.Port($"{path}.redirect.port", redirect.Port);
        }

        if (route.DirectResponse is { } direct)
        {
            if (direct.Status is null)
            {
                context.Error($"{path}.directResponse.status", "is required");
            }

            context.Range($"{path}.directResponse.status", direct.Status, 200, 599);
        }

        if (route.Rewrite is { } rewrite)
        {
            if (rewrite.Uri is not null && rewrite.UriRegexRewrite is not null)
            {
                context.Error($"{path}.rewrite", "uri and uriRegexRewrite cannot both be set");
            }

            context.Regex($"{path}.rewrite.uriRegexRewrite.match", rewrite.UriRegexRewrite?.Match);
        }
    }

    private static void Percentages(string path, Percent? percentage, int? percent, ValidationContext context)
    {
        context.Range($"{path}.percentage.value", percentage?.Value, 0, 100);
        context.Range($"{path}.percent", percent, 0, 100);
    }
}
