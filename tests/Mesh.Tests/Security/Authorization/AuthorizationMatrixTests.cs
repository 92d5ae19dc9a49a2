using Mesh.Security;
using Mesh.Security.Authorization;
using static Mesh.Tests.Security.Authorization.AuthorizationCase;

namespace Mesh.Tests.Security.Authorization;

public sealed class AuthorizationMatrixTests
{
    private const string AllowAll = """{"action":"ALLOW","rules":[{}]}""";
    private const string Claims = """{"iss":"https://issuer.example","sub":"user-1","groups":["dev","ops"],"realm":{"role":"admin"}}""";

    private static readonly Dictionary<string, AuthorizationCase> Cases = new()
    {
        ["no policies: allow"] = new([], Request(), true),
        ["allow-nothing (ALLOW, no rules): deny"] = new([Policy("shop", "nothing", "{}")], Request(), false),
        ["ALLOW with empty rule: allow everything"] = new([Policy("shop", "all", AllowAll)], Request(principal: null), true, "shop/all"),
        ["DENY with no rules denies nothing"] = new([Policy("shop", "d", """{"action":"DENY"}""")], Request(), true),
        ["DENY before ALLOW: denied path"] = new([
            Policy("shop", "all", AllowAll),
            Policy("shop", "no-admin", """{"action":"DENY","rules":[{"to":[{"operation":{"paths":["/admin*"]}}]}]}""")],
            Request(path: "/admin/users"), false, "shop/no-admin"),
        ["DENY before ALLOW: other path allowed"] = new([
            Policy("shop", "all", AllowAll),
            Policy("shop", "no-admin", """{"action":"DENY","rules":[{"to":[{"operation":{"paths":["/admin*"]}}]}]}""")],
            Request(path: "/public"), true, "shop/all"),
        ["principals exact: match"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"principals":["cluster.local/ns/shop/sa/cart"]}}]}]}""")], Request(), true, "shop/p"),
        ["principals exact: other identity denied"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"principals":["cluster.local/ns/shop/sa/cart"]}}]}]}""")],
            Request(principal: "cluster.local/ns/shop/sa/web"), false),
        ["principals *: plaintext (no principal) denied"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"principals":["*"]}}]}]}""")], Request(principal: null), false),
        ["principals *: any mTLS peer allowed"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"principals":["*"]}}]}]}""")], Request(principal: "x/ns/y/sa/z"), true),
        ["principals prefix*: match"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"principals":["cluster.local/ns/shop/*"]}}]}]}""")], Request(), true),
        ["principals *suffix: match"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"principals":["*/sa/cart"]}}]}]}""")], Request(), true),
        ["notPrincipals: listed identity denied"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"notPrincipals":["cluster.local/ns/shop/sa/cart"]}}]}]}""")], Request(), false),
        ["notPrincipals: other identity allowed"] = new([Policy("shop", "p", """{"rules":[{"from":[{"source":{"notPrincipals":["cluster.local/ns/shop/sa/cart"]}}]}]}""")],
            Request(principal: "cluster.local/ns/shop/sa/web"), true),
        ["namespaces from principal: match"] = new([Policy("shop", "n", """{"rules":[{"from":[{"source":{"namespaces":["shop"]}}]}]}""")], Request(), true),
        ["namespaces: other namespace denied"] = new([Policy("shop", "n", """{"rules":[{"from":[{"source":{"namespaces":["billing"]}}]}]}""")], Request(), false),
        ["notNamespaces: listed namespace denied"] = new([Policy("shop", "n", """{"rules":[{"from":[{"source":{"notNamespaces":["shop"]}}]}]}""")], Request(), false),
        ["ipBlocks CIDR: inside allowed"] = new([Policy("shop", "ip", """{"rules":[{"from":[{"source":{"ipBlocks":["10.0.0.0/8"]}}]}]}""")], Request(ip: "10.200.0.1"), true),
        ["ipBlocks CIDR: outside denied"] = new([Policy("shop", "ip", """{"rules":[{"from":[{"source":{"ipBlocks":["10.0.0.0/8"]}}]}]}""")], Request(ip: "192.168.0.1"), false),
        ["ipBlocks single address: match"] = new([Policy("shop", "ip", """{"rules":[{"from":[{"source":{"ipBlocks":["192.168.0.1"]}}]}]}""")], Request(ip: "192.168.0.1"), true),
        ["ipBlocks IPv6 CIDR: match"] = new([Policy("shop", "ip", """{"rules":[{"from":[{"source":{"ipBlocks":["2001:db8::/32"]}}]}]}""")], Request(ip: "2001:db8:1::5"), true),
        ["ipBlocks IPv6 CIDR: outside denied"] = new([Policy("shop", "ip", """{"rules":[{"from":[{"source":{"ipBlocks":["2001:db8::/32"]}}]}]}""")], Request(ip: "2001:db9::5"), false),
        ["notIpBlocks: excluded range denied"] = new([Policy("shop", "ip", """{"rules":[{"from":[{"source":{"notIpBlocks":["10.1.0.0/16"]}}]}]}""")], Request(ip: "10.1.2.3"), false),
        ["source fields are ANDed"] = new([Policy("shop", "and", """{"rules":[{"from":[{"source":{"principals":["cluster.local/ns/shop/sa/cart"],"ipBlocks":["172.16.0.0/12"]}}]}]}""")],
            Request(ip: "10.1.2.3"), false),
        ["from entries are ORed"] = new([Policy("shop", "or", """{"rules":[{"from":[{"source":{"ipBlocks":["172.16.0.0/12"]}},{"source":{"namespaces":["shop"]}}]}]}""")], Request(), true),
        ["methods: listed allowed"] = new([Policy("shop", "m", """{"rules":[{"to":[{"operation":{"methods":["GET","HEAD"]}}]}]}""")], Request(method: "HEAD"), true),
        ["methods: unlisted denied"] = new([Policy("shop", "m", """{"rules":[{"to":[{"operation":{"methods":["GET","HEAD"]}}]}]}""")], Request(method: "POST"), false),
        ["notMethods: listed denied"] = new([Policy("shop", "m", """{"rules":[{"to":[{"operation":{"notMethods":["DELETE"]}}]}]}""")], Request(method: "DELETE"), false),
        ["paths exact: match ignoring query"] = new([Policy("shop", "p", """{"rules":[{"to":[{"operation":{"paths":["/api/v1/items"]}}]}]}""")], Request(path: "/api/v1/items?page=2"), true),
        ["paths exact: longer path denied"] = new([Policy("shop", "p", """{"rules":[{"to":[{"operation":{"paths":["/api/v1/items"]}}]}]}""")], Request(path: "/api/v1/items/7"), false),
        ["paths prefix*: match"] = new([Policy("shop", "p", """{"rules":[{"to":[{"operation":{"paths":["/api/*"]}}]}]}""")], Request(path: "/api/v2/x"), true),
        ["paths *suffix: match"] = new([Policy("shop", "p", """{"rules":[{"to":[{"operation":{"paths":["*.html"]}}]}]}""")], Request(path: "/static/index.html"), true),
        ["paths *suffix: other denied"] = new([Policy("shop", "p", """{"rules":[{"to":[{"operation":{"paths":["*.html"]}}]}]}""")], Request(path: "/static/app.js"), false),
        ["notPaths: excluded prefix denied"] = new([Policy("shop", "p", """{"rules":[{"to":[{"operation":{"paths":["/api/*"],"notPaths":["/api/internal/*"]}}]}]}""")],
            Request(path: "/api/internal/metrics"), false),
        ["notPaths: rest allowed"] = new([Policy("shop", "p", """{"rules":[{"to":[{"operation":{"paths":["/api/*"],"notPaths":["/api/internal/*"]}}]}]}""")],
            Request(path: "/api/orders"), true),
        ["hosts: case-insensitive with port"] = new([Policy("shop", "h", """{"rules":[{"to":[{"operation":{"hosts":["api.shop.svc"]}}]}]}""")], Request(host: "API.Shop.SVC:8080"), true),
        ["hosts *suffix: match"] = new([Policy("shop", "h", """{"rules":[{"to":[{"operation":{"hosts":["*.example.com"]}}]}]}""")], Request(host: "a.example.com"), true),
        ["hosts: other denied"] = new([Policy("shop", "h", """{"rules":[{"to":[{"operation":{"hosts":["*.example.com"]}}]}]}""")], Request(host: "example.org"), false),
        ["notHosts: excluded denied"] = new([Policy("shop", "h", """{"rules":[{"to":[{"operation":{"notHosts":["admin.example.com"]}}]}]}""")], Request(host: "admin.example.com:443"), false),
        ["ports: match"] = new([Policy("shop", "pt", """{"rules":[{"to":[{"operation":{"ports":["8080"]}}]}]}""")], Request(port: 8080), true),
        ["ports as JSON numbers: other port denied"] = new([Policy("shop", "pt", """{"rules":[{"to":[{"operation":{"ports":[8080]}}]}]}""")], Request(port: 9090), false),
        ["notPorts: excluded denied"] = new([Policy("shop", "pt", """{"rules":[{"to":[{"operation":{"notPorts":["9090"]}}]}]}""")], Request(port: 9090), false),
        ["from AND to: both must match"] = new([Policy("shop", "ft", """{"rules":[{"from":[{"source":{"namespaces":["shop"]}}],"to":[{"operation":{"methods":["GET"]}}]}]}""")],
            Request(method: "POST"), false),
        ["when claims[iss]: match"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.auth.claims[iss]","values":["https://issuer.example"]}]}]}""")], Request(claimsJson: Claims), true),
        ["when claims: no token denied"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.auth.claims[iss]","values":["https://issuer.example"]}]}]}""")], Request(), false),
        ["when claims array: any element matches"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.auth.claims[groups]","values":["ops"]}]}]}""")], Request(claimsJson: Claims), true),
        ["when nested claims[realm][role]: match"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.auth.claims[realm][role]","values":["admin"]}]}]}""")], Request(claimsJson: Claims), true),
        ["when claims notValues: excluded denied"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.auth.claims[groups]","notValues":["dev"]}]}]}""")], Request(claimsJson: Claims), false),
        ["when header: case-insensitive name"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.headers[X-Env]","values":["prod"]}]}]}""")],
            Request(headers: new() { ["x-env"] = "prod" }), true),
        ["when header: wrong value denied"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.headers[x-env]","values":["prod"]}]}]}""")],
            Request(headers: new() { ["x-env"] = "dev" }), false),
        ["when source.ip CIDR"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"source.ip","values":["10.0.0.0/8"]}]}]}""")], Request(), true),
        ["when source.namespace"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"source.namespace","values":["billing"]}]}]}""")], Request(), false),
        ["when source.principal"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"source.principal","values":["cluster.local/ns/shop/sa/cart"]}]}]}""")], Request(), true),
        ["when request.auth.principal"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"request.auth.principal","values":["https://issuer.example/*"]}]}]}""")], Request(claimsJson: Claims), true),
        ["when destination.port"] = new([Policy("shop", "w", """{"rules":[{"when":[{"key":"destination.port","values":["9090"]}]}]}""")], Request(port: 8080), false),
        ["requestPrincipals *: no JWT denied"] = new([Policy("shop", "rp", """{"rules":[{"from":[{"source":{"requestPrincipals":["*"]}}]}]}""")], Request(), false),
        ["requestPrincipals *: JWT allowed"] = new([Policy("shop", "rp", """{"rules":[{"from":[{"source":{"requestPrincipals":["*"]}}]}]}""")], Request(claimsJson: Claims), true),
        ["root namespace DENY applies mesh-wide"] = new([Policy("shop", "all", AllowAll), Policy("istio-system", "deny-post", """{"action":"DENY","rules":[{"to":[{"operation":{"methods":["POST"]}}]}]}""")],
            Request(method: "POST"), false, "istio-system/deny-post"),
        ["policy in another namespace does not apply"] = new([Policy("billing", "nothing", "{}")], Request(), true),
        ["selector: matching workload is restricted"] = new([Policy("shop", "web-only", """{"selector":{"matchLabels":{"app":"web"}}}""")], Request(), false, Labels: new Dictionary<string, string> { ["app"] = "web" }),
        ["selector: other workload unaffected"] = new([Policy("shop", "web-only", """{"selector":{"matchLabels":{"app":"web"}}}""")], Request(), true, Labels: new Dictionary<string, string> { ["app"] = "db" }),
        ["CUSTOM is skipped"] = new([Policy("shop", "ext", """{"action":"CUSTOM","provider":{"name":"ext-authz"},"rules":[{}]}""")], Request(), true),
        ["AUDIT never changes the decision"] = new([Policy("shop", "audit", """{"action":"AUDIT","rules":[{}]}"""), Policy("shop", "nothing", "{}")], Request(), false),
        ["any ALLOW policy matching suffices"] = new([
            Policy("shop", "a", """{"rules":[{"to":[{"operation":{"methods":["PUT"]}}]}]}"""),
            Policy("shop", "b", """{"rules":[{"to":[{"operation":{"methods":["GET"]}}]}]}""")], Request(), true, "shop/b"),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Evaluate_Matrix_ReturnsIstioDecision(string name)
    {
        var c = Cases[name];
        var evaluator = AuthorizationEvaluator.Create(c.Policies);

        var decision = evaluator.Evaluate(c.WorkloadNamespace, c.Labels, c.Context);

        Assert.True(c.Allowed == decision.Allowed, $"{name}: expected {(c.Allowed ? "allow" : "deny")}, got {decision.Reason}");
        if (c.ExpectedPolicy is not null)
        {
            Assert.Equal(c.ExpectedPolicy, decision.Policy);
        }
    }

    [Fact]
    public void Evaluate_AuditPolicyMatches_IsReported()
    {
        var evaluator = AuthorizationEvaluator.Create([Policy("shop", "audit", """{"action":"AUDIT","rules":[{}]}""")]);

        var decision = evaluator.ForWorkload("shop", null).Evaluate(Request());

        Assert.True(decision.Allowed);
        Assert.Equal(["shop/audit"], decision.AuditedBy);
        Assert.Equal("RBAC: access denied", AuthorizationDecision.DeniedBody);
    }
}
