using Mesh.Contracts.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>Istio's VirtualService rules for the http routes the mesh implements.</summary>
internal static class VirtualServiceValidator
{
    private static readonly string[] RetryConditions =
        ["5xx", "gateway-error", "reset", "reset-before-request", "connect-failure", "envoy-ratelimited", "retriable-4xx", "refused-stream",
         "retriable-status-codes", "retriable-headers", "http3-post-connect-failure", "cancelled", "deadline-exceeded", "internal", "resource-exhausted", "unavailable"];

    private static readonly int[] RedirectCodes = [301, 302, 303, 307, 308];

    public static void Validate(VirtualServiceSpec spec, ValidationContext context)
    {
        var gateways = spec.Gateways ?? [];
        var meshBound = gateways.Count == 0 || gateways.Contains("mesh");
        if (spec.Hosts is not { Count: > 0 })
        {
            context.Error("spec.hosts", "at least one host is required");
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
            Route(spec.Http![i], $"spec.http[{i}]", context);
        }
    }

    private static void Route(HttpRoute route, string path, ValidationContext context)
    {
        var actions = (route.Route is { Count: > 0 } ? 1 : 0) + (route.Redirect is not null ? 1 : 0) + (route.DirectResponse is not null ? 1 : 0);
        if (actions != 1)
        {
            context.Error(path, actions == 0 ? "must have one of route, redirect or directResponse" : "only one of route, redirect or directResponse may be set");
        }

        for (var m = 0; m < (route.Match?.Count ?? 0); m++)
        {
            MatchValidator.Validate(route.Match![m], $"{path}.match[{m}]", context);
        }

        Destinations(route.Route ?? [], $"{path}.route", context);
        Actions(route, path, context);
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

    private static void Actions(HttpRoute route, string path, ValidationContext context)
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
                context.Required($"{path}.fault.delay.fixedDelay", delay.FixedDelay);
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
