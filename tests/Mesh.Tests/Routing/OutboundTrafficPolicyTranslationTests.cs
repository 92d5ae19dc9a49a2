using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

/// <summary>
/// Sidecar <c>outboundTrafficPolicy</c> compiles from the Sidecar resource that selects the node (workload selector,
/// then the namespace default, then the root namespace), with Istio's enum default REGISTRY_ONLY.
/// </summary>
public sealed class OutboundTrafficPolicyTranslationTests
{
    private static string Sidecar(string name, string ns, string policy, string? selector = null) => $$"""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          {{(selector is null ? "" : $"workloadSelector: {{ labels: {{ {selector} }} }}")}}
          outboundTrafficPolicy: {{policy}}
        """;

    public static TheoryData<string, string> Cases => new()
    {
        { "", "Unset" },
        { Sidecar("default", "default", "{ mode: REGISTRY_ONLY }"), "RegistryOnly" },
        { Sidecar("default", "default", "{ mode: ALLOW_ANY }"), "AllowAny" },
        // Istio's enum default (REGISTRY_ONLY = 0) when the policy names no mode.
        { Sidecar("default", "default", "{}"), "RegistryOnly" },
        // The mesh-wide default in the root namespace, overridden by the namespace's own, overridden by a selecting one.
        { Sidecar("mesh", "istio-system", "{ mode: REGISTRY_ONLY }"), "RegistryOnly" },
        { Sidecar("mesh", "istio-system", "{ mode: REGISTRY_ONLY }") + "\n---\n" + Sidecar("default", "default", "{ mode: ALLOW_ANY }"), "AllowAny" },
        { Sidecar("default", "default", "{ mode: ALLOW_ANY }") + "\n---\n" + Sidecar("pp", "default", "{ mode: REGISTRY_ONLY }", "app: productpage"), "RegistryOnly" },
        { Sidecar("default", "default", "{ mode: ALLOW_ANY }") + "\n---\n" + Sidecar("other", "default", "{ mode: REGISTRY_ONLY }", "app: reviews"), "AllowAny" },
        // Another namespace's default does not apply.
        { Sidecar("default", "other", "{ mode: REGISTRY_ONLY }"), "Unset" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_OutboundTrafficPolicy_ModeOfTheSelectingSidecar(string yaml, string expected)
    {
        var config = Compile(yaml);

        Assert.Equal(expected, config.OutboundTrafficPolicy.Mode.ToString());
        Assert.Null(config.OutboundTrafficPolicy.EgressProxyRoute);
    }

    [Fact]
    public void Compile_AllowAnyWithEgressProxy_RoutesUnknownHostsToTheProxyCluster()
    {
        var config = Compile(Sidecar("default", "default", "{ mode: ALLOW_ANY, egressProxy: { host: reviews, subset: v1, port: { number: 9080 } } }")
            + "\n---\n" + Sidecar("scoped", "default", "{ mode: ALLOW_ANY, egressProxy: { host: ratings, port: { number: 9080 } } }", "app: productpage")
            .Replace("  outboundTrafficPolicy", "  egress: [ { hosts: ['./details.default.svc.cluster.local'] } ]\n  outboundTrafficPolicy", StringComparison.Ordinal));

        var route = config.OutboundTrafficPolicy.EgressProxyRoute;
        Assert.NotNull(route);
        Assert.Equal("allow_any", route.Name);
        Assert.Equal($"outbound|9080||{Ratings}=100", Weights(route));
        // The sidecar is scoped to details, yet keeps the egress proxy's cluster, with its endpoints.
        Assert.NotEmpty(config.Clusters[$"outbound|9080||{Ratings}"].Endpoints);
        Assert.DoesNotContain($"outbound|9080||{Reviews}", config.Clusters.Keys);
    }
}
