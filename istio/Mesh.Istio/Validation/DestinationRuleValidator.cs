using Mesh.Contracts.Istio.Networking;

namespace Mesh.Istio.Validation;

internal static class DestinationRuleValidator
{
    public static void Validate(DestinationRuleSpec spec, ValidationContext context)
    {
        context.Required("spec.host", spec.Host);
        Policy(spec.TrafficPolicy, "spec.trafficPolicy", context);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Subsets?.Count ?? 0); i++)
        {
            var subset = spec.Subsets![i];
            var path = $"spec.subsets[{i}]";
            if (string.IsNullOrEmpty(subset.Name))
            {
                context.Error($"{path}.name", "is required");
            }
            else if (!Dns1123.IsLabel(subset.Name))
            {
                context.Error($"{path}.name", $"\"{subset.Name}\" must be a DNS-1123 label (lower case letters, digits and '-', at most 63)");
            }
            else if (!names.Add(subset.Name))
            {
                context.Error($"{path}.name", $"duplicate subset name \"{subset.Name}\"");
            }

            Policy(subset.TrafficPolicy, $"{path}.trafficPolicy", context);
        }
    }

    private static void Policy(TrafficPolicy? policy, string path, ValidationContext context)
    {
        if (policy is null)
        {
            return;
        }

        LoadBalancer(policy.LoadBalancer, $"{path}.loadBalancer", context);
        if (policy.ConnectionPool is { } pool)
        {
            context.NonNegative($"{path}.connectionPool.tcp.maxConnections", pool.Tcp?.MaxConnections);
            context.Duration($"{path}.connectionPool.tcp.connectTimeout", pool.Tcp?.ConnectTimeout);
            context.NonNegative($"{path}.connectionPool.http.http1MaxPendingRequests", pool.Http?.Http1MaxPendingRequests);
            context.NonNegative($"{path}.connectionPool.http.http2MaxRequests", pool.Http?.Http2MaxRequests);
            context.NonNegative($"{path}.connectionPool.http.maxRequestsPerConnection", pool.Http?.MaxRequestsPerConnection);
            context.NonNegative($"{path}.connectionPool.http.maxRetries", pool.Http?.MaxRetries);
            context.Duration($"{path}.connectionPool.http.idleTimeout", pool.Http?.IdleTimeout);
            context.OneOf($"{path}.connectionPool.http.h2UpgradePolicy", pool.Http?.H2UpgradePolicy, "DEFAULT", "DO_NOT_UPGRADE", "UPGRADE");
        }

        if (policy.OutlierDetection is { } outlier)
        {
            var o = $"{path}.outlierDetection";
            context.NonNegative($"{o}.consecutiveErrors", outlier.ConsecutiveErrors);
            context.NonNegative($"{o}.consecutive5xxErrors", outlier.Consecutive5xxErrors);
            context.NonNegative($"{o}.consecutiveGatewayErrors", outlier.ConsecutiveGatewayErrors);
            context.Duration($"{o}.interval", outlier.Interval);
            context.Duration($"{o}.baseEjectionTime", outlier.BaseEjectionTime);
            context.Range($"{o}.maxEjectionPercent", outlier.MaxEjectionPercent, 0, 100);
            context.Range($"{o}.minHealthPercent", outlier.MinHealthPercent, 0, 100);
        }

        context.OneOf($"{path}.tls.mode", policy.Tls?.Mode, "DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL");
    }

    private static void LoadBalancer(LoadBalancerSettings? lb, string path, ValidationContext context)
    {
        if (lb is null)
        {
            return;
        }

        context.OneOf($"{path}.simple", lb.Simple, "UNSPECIFIED", "RANDOM", "PASSTHROUGH", "ROUND_ROBIN", "LEAST_REQUEST", "LEAST_CONN");
        if (lb.Simple is not null && lb.ConsistentHash is not null)
        {
            context.Error(path, "only one of simple or consistentHash may be set");
        }

        if (lb.ConsistentHash is { } hash)
        {
            var keys = (hash.HttpHeaderName is not null ? 1 : 0) + (hash.HttpCookie is not null ? 1 : 0) +
                (hash.UseSourceIp is not null ? 1 : 0) + (hash.HttpQueryParameterName is not null ? 1 : 0);
            if (keys != 1)
            {
                context.Error($"{path}.consistentHash", "exactly one of httpHeaderName, httpCookie, useSourceIp or httpQueryParameterName must be set");
            }

            if (hash.HttpCookie is { } cookie)
            {
                context.Required($"{path}.consistentHash.httpCookie.name", cookie.Name);
                context.Duration($"{path}.consistentHash.httpCookie.ttl", cookie.Ttl);
            }

            context.NonNegative($"{path}.consistentHash.minimumRingSize", hash.MinimumRingSize);
            context.NonNegative($"{path}.consistentHash.ringHash.minimumRingSize", hash.RingHash?.MinimumRingSize);
        }
    }
}
