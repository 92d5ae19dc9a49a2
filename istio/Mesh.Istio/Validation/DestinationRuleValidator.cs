using Mesh.Contracts.Istio.Networking;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Validation;

internal static class DestinationRuleValidator
{
    public static void Validate(DestinationRuleSpec spec, DestinationRuleExtras extras, ValidationContext context)
    {
        context.Required("spec.host", spec.Host);
        Policy(spec.TrafficPolicy, "spec.trafficPolicy", context);
        PolicyExtras(extras.TrafficPolicy, "spec.trafficPolicy", context);
        Visibility.Check("spec.exportTo", spec.ExportTo, serviceEntry: false, context);
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
            PolicyExtras(extras.Subsets is { } subsets && i < subsets.Count ? subsets[i].TrafficPolicy : null, $"{path}.trafficPolicy", context);
        }
    }

    /// <summary>Port-level settings are whole traffic policies of their own, and client TLS has Istio's certificate rules.</summary>
    private static void PolicyExtras(TrafficPolicyExtras? policy, string path, ValidationContext context)
    {
        ClientTls(policy?.Tls, $"{path}.tls", context);
        if (policy?.LoadBalancer?.Warmup is { } warmup)
        {
            var w = $"{path}.loadBalancer.warmup";
            context.Required($"{w}.duration", warmup.Duration);
            context.Duration($"{w}.duration", warmup.Duration);
            context.Range($"{w}.minimumPercent", warmup.MinimumPercent, 0, 100);
            if (warmup.Aggression is < 0)
            {
                context.Error($"{w}.aggression", $"{warmup.Aggression} must not be negative");
            }
        }

        for (var i = 0; i < (policy?.PortLevelSettings?.Count ?? 0); i++)
        {
            var portPath = $"{path}.portLevelSettings[{i}]";
            var port = policy!.PortLevelSettings![i];
            if (port.Port?.Number is not { } number)
            {
                context.Error($"{portPath}.port", "portTrafficPolicy must have valid port");
            }
            else
            {
                context.Port($"{portPath}.port.number", number);
            }

            if (port.LoadBalancer is null && port.ConnectionPool is null && port.OutlierDetection is null && port.Tls is null)
            {
                context.Error(portPath, "port traffic policy must have at least one field");
            }

            var tls = port.Tls is null ? null : new ClientTlsSettings { Mode = port.Tls.Mode, Sni = port.Tls.Sni, SubjectAltNames = port.Tls.SubjectAltNames };
            Policy(new TrafficPolicy { LoadBalancer = port.LoadBalancer, ConnectionPool = port.ConnectionPool, OutlierDetection = port.OutlierDetection, Tls = tls }, portPath, context);
            ClientTls(port.Tls, $"{portPath}.tls", context);
        }
    }

    private static void ClientTls(ClientTlsExtras? tls, string path, ValidationContext context)
    {
        if (tls is null)
        {
            return;
        }

        if (tls.InsecureSkipVerify == true && tls.CaCertificates is { Length: > 0 } && tls.Mode is "SIMPLE" or "MUTUAL")
        {
            context.Error($"{path}.caCertificates", "cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true");
        }

        if (tls.Mode is "SIMPLE" or "MUTUAL" && tls.CredentialName is { Length: > 0 })
        {
            if (tls.ClientCertificate is { Length: > 0 } || tls.CaCertificates is { Length: > 0 } || tls.PrivateKey is { Length: > 0 } || tls.CaCrl is { Length: > 0 })
            {
                context.Error(path, "cannot specify client certificates or CA certificate or CA CRL If credentialName is set");
            }

            return;
        }

        if (tls.Mode == "MUTUAL")
        {
            if (string.IsNullOrEmpty(tls.ClientCertificate))
            {
                context.Error($"{path}.clientCertificate", "client certificate required for mutual tls");
            }

            if (string.IsNullOrEmpty(tls.PrivateKey))
            {
                context.Error($"{path}.privateKey", "private key required for mutual tls");
            }
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

        LocalityLbValidator.Validate(lb.LocalityLbSetting, $"{path}.localityLbSetting", context);

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
