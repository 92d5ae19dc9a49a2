using Mesh.Routing.Compilation;
using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

public sealed class DestinationRuleTranslationTests
{
    private static string Dr(string trafficPolicy, string subsets = "  - { name: v1, labels: { version: v1 } }", string annotations = "") => $$"""
        apiVersion: networking.istio.io/v1beta1
        kind: DestinationRule
        metadata: { name: reviews{{annotations}} }
        spec:
          host: reviews
          trafficPolicy:
        {{trafficPolicy}}
          subsets:
        {{subsets}}
        """;

    public static TheoryData<string, string, Func<ProxyConfig, object?>, object?> Cases => new()
    {
        { "subset cluster selects endpoints by label", Dr("    tls: { mode: DISABLE }", "  - { name: v2, labels: { version: v2 } }"), c => Addresses(Cluster(c, "v2")), "10.0.0.2:9080" },
        { "default cluster keeps every endpoint", Dr("    tls: { mode: DISABLE }"), c => Addresses(Cluster(c)), "10.0.0.1:9080,10.0.0.2:9080,10.0.0.3:9080" },
        { "subset with several labels", Dr("    tls: { mode: DISABLE }", "  - { name: a, labels: { version: v1, zone: zone-a } }\n  - { name: b, labels: { version: v1, zone: zone-b } }"),
            c => $"{Cluster(c, "a").Endpoints.Count} {Cluster(c, "b").Endpoints.Count}", "1 0" },
        { "cluster identity fields", Dr("    tls: { mode: DISABLE }"), c => Cluster(c, "v1") is var k ? $"{k.Host} {k.Namespace} {k.ServiceName} {k.Port} {k.Subset} {k.External}" : null,
            $"{Reviews} default reviews 9080 v1 False" },
        { "lb ROUND_ROBIN", Dr("    loadBalancer: { simple: ROUND_ROBIN }"), c => Cluster(c).LoadBalancer.Algorithm, LoadBalancerAlgorithm.RoundRobin },
        { "lb LEAST_REQUEST", Dr("    loadBalancer: { simple: LEAST_REQUEST }"), c => Cluster(c).LoadBalancer.Algorithm, LoadBalancerAlgorithm.LeastRequest },
        { "lb LEAST_CONN (deprecated alias)", Dr("    loadBalancer: { simple: LEAST_CONN }"), c => Cluster(c).LoadBalancer.Algorithm, LoadBalancerAlgorithm.LeastRequest },
        { "lb RANDOM", Dr("    loadBalancer: { simple: RANDOM }"), c => Cluster(c).LoadBalancer.Algorithm, LoadBalancerAlgorithm.Random },
        { "lb PASSTHROUGH is round robin", Dr("    loadBalancer: { simple: PASSTHROUGH }"), c => Cluster(c).LoadBalancer.Algorithm, LoadBalancerAlgorithm.RoundRobin },
        { "consistent hash on header", Dr("    loadBalancer: { consistentHash: { httpHeaderName: x-user } }"),
            c => Cluster(c).LoadBalancer is var lb ? $"{lb.Algorithm} {lb.HashKey} {lb.MinimumRingSize}" : null, "ConsistentHash HashKeyConfig { Source = Header, Name = x-user } 1024" },
        { "consistent hash on cookie", Dr("    loadBalancer: { consistentHash: { httpCookie: { name: session, ttl: 0s } } }"), c => Cluster(c).LoadBalancer.HashKey, new HashKeyConfig(HashKeySource.Cookie, "session") },
        { "consistent hash on source ip", Dr("    loadBalancer: { consistentHash: { useSourceIp: true } }"), c => Cluster(c).LoadBalancer.HashKey, new HashKeyConfig(HashKeySource.SourceIp, null) },
        { "consistent hash on query parameter", Dr("    loadBalancer: { consistentHash: { httpQueryParameterName: user } }"), c => Cluster(c).LoadBalancer.HashKey, new HashKeyConfig(HashKeySource.QueryParameter, "user") },
        { "ringHash.minimumRingSize", Dr("    loadBalancer: { consistentHash: { useSourceIp: true, ringHash: { minimumRingSize: 4096 } } }"), c => Cluster(c).LoadBalancer.MinimumRingSize, 4096L },
        { "deprecated minimumRingSize", Dr("    loadBalancer: { consistentHash: { useSourceIp: true, minimumRingSize: 2048 } }"), c => Cluster(c).LoadBalancer.MinimumRingSize, 2048L },
        { "locality lb enabled by default", Dr("    loadBalancer: { simple: RANDOM }"), c => Cluster(c).LoadBalancer.LocalityAware, true },
        { "locality lb disabled", Dr("    loadBalancer: { simple: RANDOM, localityLbSetting: { enabled: false } }"), c => Cluster(c).LoadBalancer.LocalityAware, false },
        { "connection pool", Dr("    connectionPool: { tcp: { maxConnections: 100, connectTimeout: 30ms }, http: { http1MaxPendingRequests: 10, http2MaxRequests: 1000, maxRequestsPerConnection: 1, maxRetries: 3, idleTimeout: 1m } }"),
            c => Cluster(c).ConnectionPool is var p ? $"{p!.MaxConnections} {p.ConnectTimeout!.Value.TotalMilliseconds} {p.MaxPendingRequests} {p.MaxRequests} {p.MaxRequestsPerConnection} {p.MaxRetries} {p.IdleTimeout!.Value.TotalSeconds}" : null,
            "100 30 10 1000 1 3 60" },
        { "no connection pool without a policy", Dr("    loadBalancer: { simple: RANDOM }"), c => Cluster(c).ConnectionPool, null },
        { "outlier detection", Dr("    outlierDetection: { consecutive5xxErrors: 7, consecutiveGatewayErrors: 2, interval: 5s, baseEjectionTime: 1m, maxEjectionPercent: 50, minHealthPercent: 20 }"),
            c => Cluster(c).OutlierDetection is var o ? $"{o!.Consecutive5xxErrors} {o.ConsecutiveGatewayErrors} {o.Interval.TotalSeconds} {o.BaseEjectionTime.TotalSeconds} {o.MaxEjectionPercent} {o.MinHealthPercent}" : null,
            "7 2 5 60 50 20" },
        { "outlier defaults", Dr("    outlierDetection: { interval: 1s }"),
            c => Cluster(c).OutlierDetection is var o ? $"{o!.Consecutive5xxErrors} {o.ConsecutiveGatewayErrors} {o.BaseEjectionTime.TotalSeconds} {o.MaxEjectionPercent} {o.MinHealthPercent}" : null, "5 0 30 10 0" },
        { "deprecated consecutiveErrors counts gateway errors", Dr("    outlierDetection: { consecutiveErrors: 3 }"),
            c => $"{Cluster(c).OutlierDetection!.Consecutive5xxErrors} {Cluster(c).OutlierDetection!.ConsecutiveGatewayErrors}", "0 3" },
        { "tls ISTIO_MUTUAL", Dr("    tls: { mode: ISTIO_MUTUAL }"), c => Cluster(c, "v1").Tls.Mode, ClusterTlsMode.IstioMutual },
        { "tls SIMPLE with sni and subjectAltNames", Dr("    tls: { mode: SIMPLE, sni: reviews.example.com, subjectAltNames: [a, b] }"),
            c => $"{Cluster(c).Tls.Mode} {Cluster(c).Tls.Sni} {string.Join(",", Cluster(c).Tls.SubjectAltNames)}", "Simple reviews.example.com a,b" },
        { "tls MUTUAL", Dr("    tls: { mode: MUTUAL }"), c => Cluster(c).Tls.Mode, ClusterTlsMode.Mutual },
        { "tls DISABLE", Dr("    tls: { mode: DISABLE }"), c => Cluster(c).Tls.Mode, ClusterTlsMode.Disable },
        { "subset policy overrides field by field", Dr("    loadBalancer: { simple: RANDOM }\n    tls: { mode: ISTIO_MUTUAL }", "  - { name: v1, labels: { version: v1 }, trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } } }"),
            c => $"{Cluster(c, "v1").LoadBalancer.Algorithm} {Cluster(c, "v1").Tls.Mode} {Cluster(c).LoadBalancer.Algorithm}", "LeastRequest IstioMutual Random" },
        { "rate limit annotations", Dr("    tls: { mode: DISABLE }", annotations: ", annotations: { ratelimit.mesh.dev/requests-per-second: \"50\", ratelimit.mesh.dev/burst: \"100\" }"),
            c => Cluster(c, "v1").RateLimit, new RateLimitConfig(100, 50, TimeSpan.FromSeconds(1)) },
        { "rate limit burst defaults to the rate", Dr("    tls: { mode: DISABLE }", annotations: ", annotations: { ratelimit.mesh.dev/requests-per-second: \"5\" }"),
            c => Cluster(c).RateLimit, new RateLimitConfig(5, 5, TimeSpan.FromSeconds(1)) },
        { "no rate limit without annotations", Dr("    tls: { mode: DISABLE }"), c => Cluster(c).RateLimit, null },
        { "token limits per principal", Dr("    tls: { mode: DISABLE }", annotations: ", annotations: { ratelimit.mesh.dev/prompt-tokens-per-minute: \"6000\", ratelimit.mesh.dev/completion-tokens-per-minute: \"1200\" }"),
            c => Cluster(c, "v1").TokenLimit, new TokenLimitConfig("default/reviews", 6000, 1200, null) },
        { "token limit per header, completion only", Dr("    tls: { mode: DISABLE }", annotations: ", annotations: { ratelimit.mesh.dev/completion-tokens-per-minute: \"500\", ratelimit.mesh.dev/token-limit-key: \"header:X-User\" }"),
            c => Cluster(c).TokenLimit, new TokenLimitConfig("default/reviews", 0, 500, "x-user") },
        { "no token limit without annotations", Dr("    tls: { mode: DISABLE }"), c => Cluster(c).TokenLimit, null },
        { "fallback host, its first port, for the host and its subsets", Dr("    tls: { mode: DISABLE }", annotations: ", annotations: { inference.mesh.dev/fallback: ratings }"),
            c => $"{Cluster(c).FallbackCluster} {Cluster(c, "v1").FallbackCluster}", $"outbound|9080||{Ratings} outbound|9080||{Ratings}" },
        { "fallback to an unknown host is none", Dr("    tls: { mode: DISABLE }", annotations: ", annotations: { inference.mesh.dev/fallback: \"nowhere:80\" }"),
            c => Cluster(c).FallbackCluster, null },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_DestinationRule_TranslatesField(string scenario, string yaml, Func<ProxyConfig, object?> actual, object? expected)
    {
        var config = Compile(yaml);

        Assert.True(Equals(expected, actual(config)), $"{scenario}: expected <{expected}>, got <{actual(config)}>");
    }

    [Fact]
    public void Compile_RuleInClientNamespace_WinsOverServiceNamespace()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews-owner, namespace: default }
            spec: { host: reviews.default.svc.cluster.local, trafficPolicy: { loadBalancer: { simple: RANDOM } } }
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews-client, namespace: frontend }
            spec: { host: reviews.default.svc.cluster.local, trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } } }
            """, ProductPageNode with { Namespace = "frontend" });

        Assert.Equal(LoadBalancerAlgorithm.LeastRequest, Cluster(config).LoadBalancer.Algorithm);
    }
}
