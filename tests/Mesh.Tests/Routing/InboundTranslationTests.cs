using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

public sealed class InboundTranslationTests
{
    private static string Pa(string name, string ns, string spec) => $$"""
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec: {{spec}}
        ---

        """;

    private static string Policy(string kind, string name, string ns, string spec) => $$"""
        apiVersion: security.istio.io/v1
        kind: {{kind}}
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec: {{spec}}
        ---

        """;

    public static TheoryData<string, string, Func<ProxyConfig, object?>, object?> Cases => new()
    {
        { "no PeerAuthentication: permissive", "", c => c.Inbound.MtlsMode, MtlsMode.Permissive },
        { "mesh-wide STRICT", Pa("default", "istio-system", "{ mtls: { mode: STRICT } }"), c => c.Inbound.MtlsMode, MtlsMode.Strict },
        { "namespace beats mesh", Pa("default", "istio-system", "{ mtls: { mode: STRICT } }") + Pa("default", "default", "{ mtls: { mode: DISABLE } }"), c => c.Inbound.MtlsMode, MtlsMode.Disable },
        { "workload beats namespace", Pa("ns", "default", "{ mtls: { mode: DISABLE } }") + Pa("pp", "default", "{ selector: { matchLabels: { app: productpage } }, mtls: { mode: STRICT } }"),
            c => c.Inbound.MtlsMode, MtlsMode.Strict },
        { "workload policy for another workload ignored", Pa("r", "default", "{ selector: { matchLabels: { app: reviews } }, mtls: { mode: STRICT } }"), c => c.Inbound.MtlsMode, MtlsMode.Permissive },
        { "UNSET inherits from namespace", Pa("ns", "default", "{ mtls: { mode: STRICT } }") + Pa("pp", "default", "{ selector: { matchLabels: { app: productpage } }, mtls: { mode: UNSET } }"),
            c => c.Inbound.MtlsMode, MtlsMode.Strict },
        { "other namespace ignored", Pa("ns", "other", "{ mtls: { mode: STRICT } }"), c => c.Inbound.MtlsMode, MtlsMode.Permissive },
        { "portLevelMtls on a workload policy", Pa("pp", "default", "{ selector: { matchLabels: { app: productpage } }, mtls: { mode: STRICT }, portLevelMtls: { \"9080\": { mode: DISABLE } } }"),
            c => string.Join(",", c.Inbound.PortMtlsModes.Select(p => $"{p.Key}={p.Value}")), "9080=Disable" },
        { "authorization policies that select the node", Policy("AuthorizationPolicy", "ns-wide", "default", "{ action: ALLOW }")
            + Policy("AuthorizationPolicy", "pp", "default", "{ selector: { matchLabels: { app: productpage } }, action: DENY }")
            + Policy("AuthorizationPolicy", "reviews", "default", "{ selector: { matchLabels: { app: reviews } } }")
            + Policy("AuthorizationPolicy", "mesh", "istio-system", "{ action: ALLOW }")
            + Policy("AuthorizationPolicy", "other", "other", "{ action: ALLOW }"),
            c => string.Join(",", c.Inbound.AuthorizationPolicies.Select(p => p.Metadata.Name).Order()), "mesh,ns-wide,pp" },
        { "request authentications that select the node", Policy("RequestAuthentication", "jwt", "default", "{ selector: { matchLabels: { app: productpage } }, jwtRules: [ { issuer: x } ] }")
            + Policy("RequestAuthentication", "jwt-r", "default", "{ selector: { matchLabels: { app: reviews } }, jwtRules: [ { issuer: x } ] }"),
            c => string.Join(",", c.Inbound.RequestAuthentications.Select(p => p.Metadata.Name)), "jwt" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_Inbound_SelectsPolicies(string scenario, string yaml, Func<ProxyConfig, object?> actual, object? expected)
    {
        var config = Compile(yaml);

        Assert.True(Equals(expected, actual(config)), $"{scenario}: expected <{expected}>, got <{actual(config)}>");
    }
}
