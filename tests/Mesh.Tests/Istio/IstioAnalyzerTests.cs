using Mesh.Contracts.Resources;
using Mesh.Istio.Analysis;
using Mesh.Istio.Yaml;
using Mesh.Tests.Routing;

namespace Mesh.Tests.Istio;

/// <summary>
/// One case per istioctl analyzer message, shaped after the examples of Istio's analyzer reference
/// (istio.io/latest/docs/reference/config/analysis/istXXXX) and istio/istio pkg/config/analysis/analyzers/testdata.
/// Each case lists every finding as "code resource: message", so the resources involved are asserted too.
/// </summary>
public sealed class IstioAnalyzerTests
{
    private static readonly IReadOnlyList<MeshResource> Registry =
        ResourceDocumentReader.Read(CompilerFixture.Registry).Select((r, i) => r with { Metadata = r.Metadata with { ResourceVersion = i + 1 } }).ToList();

    private static List<string> Analyze(string yaml, string? existingYaml = null)
    {
        var resources = Read(yaml, 100);
        var existing = Registry.Concat(existingYaml is null ? [] : Read(existingYaml, 50)).ToList();
        return ConfigAnalyzer.Analyze(resources, existing).Select(m => $"{m.Code} {m.Message}").Order(StringComparer.Ordinal).ToList();
    }

    private static List<MeshResource> Read(string yaml, int version) =>
        ResourceDocumentReader.Read(yaml).Select((r, i) => r with { Metadata = r.Metadata with { Namespace = r.Metadata.Namespace ?? "default", ResourceVersion = version + i } }).ToList();

    private const string MeshVs = "apiVersion: networking.istio.io/v1\nkind: VirtualService\n";
    private const string Dr = "apiVersion: networking.istio.io/v1\nkind: DestinationRule\n";
    private const string Gw = "apiVersion: networking.istio.io/v1\nkind: Gateway\n";
    private const string Se = "apiVersion: networking.istio.io/v1\nkind: ServiceEntry\n";
    private const string Sc = "apiVersion: networking.istio.io/v1\nkind: Sidecar\n";

    public static TheoryData<string, string, string[]> Cases => new()
    {
        {
            "IST0101 gateway, host, subset",
            MeshVs + "metadata: { name: reviews }\nspec:\n  hosts: [reviews]\n  gateways: [bogus-gateway, mesh]\n  http:\n  - match: [ { uri: { prefix: /a } } ]\n    route: [ { destination: { host: reviews, subset: v9 } } ]\n  - route: [ { destination: { host: nowhere } } ]",
            [
                "IST0101 VirtualService default/reviews: Referenced gateway not found: \"bogus-gateway\"",
                "IST0101 VirtualService default/reviews: Referenced host not found: \"nowhere\"",
                "IST0101 VirtualService default/reviews: Referenced host+subset in destinationrule not found: \"reviews+v9\"",
                "IST0132 VirtualService default/reviews: one or more host [reviews] defined in VirtualService default/reviews not found in Gateway default/bogus-gateway.",
            ]
        },
        {
            "IST0101 host:port",
            MeshVs + "metadata: { name: ratings }\nspec:\n  hosts: [ratings]\n  http:\n  - route: [ { destination: { host: ratings, port: { number: 8080 } } } ]",
            ["IST0101 VirtualService default/ratings: Referenced host:port not found: \"ratings:8080\""]
        },
        {
            "IST0109 on both, exportTo honoured",
            MeshVs + "metadata: { name: productpage-a }\nspec: { hosts: [productpage], http: [ { route: [ { destination: { host: productpage } } ] } ] }\n---\n" +
            MeshVs + "metadata: { name: productpage-b }\nspec: { hosts: [productpage], http: [ { route: [ { destination: { host: productpage } } ] } ] }\n---\n" +
            // Exported to two other namespaces each: they never meet.
            MeshVs + "metadata: { name: details-a }\nspec: { hosts: [details], exportTo: [ns1], http: [ { route: [ { destination: { host: details } } ] } ] }\n---\n" +
            MeshVs + "metadata: { name: details-b }\nspec: { hosts: [details], exportTo: [ns2], http: [ { route: [ { destination: { host: details } } ] } ] }",
            [
                "IST0109 VirtualService default/productpage-a: The VirtualServices default/productpage-a,default/productpage-b associated with mesh gateway define the same host */productpage.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
                "IST0109 VirtualService default/productpage-b: The VirtualServices default/productpage-a,default/productpage-b associated with mesh gateway define the same host */productpage.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
            ]
        },
        {
            "IST0109 between a namespace-scoped and a public VirtualService",
            MeshVs + "metadata: { name: ratings-local }\nspec: { hosts: [ratings], exportTo: ['.'], http: [ { route: [ { destination: { host: ratings } } ] } ] }\n---\n" +
            MeshVs + "metadata: { name: ratings-public }\nspec: { hosts: [ratings.default.svc.cluster.local], http: [ { route: [ { destination: { host: ratings } } ] } ] }",
            [
                "IST0109 VirtualService default/ratings-local: The VirtualServices default/ratings-local,default/ratings-public associated with mesh gateway define the same host default/ratings.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
                "IST0109 VirtualService default/ratings-public: The VirtualServices default/ratings-local,default/ratings-public associated with mesh gateway define the same host default/ratings.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.",
            ]
        },
        {
            "IST0112 port selector required",
            Se + "metadata: { name: multi }\nspec: { hosts: [multi.example.com], ports: [ { number: 80, name: http, protocol: HTTP }, { number: 8080, name: http2, protocol: HTTP } ], resolution: DNS }\n---\n" +
            MeshVs + "metadata: { name: multi }\nspec: { hosts: [multi.example.com], http: [ { route: [ { destination: { host: multi.example.com } } ] } ] }",
            ["IST0112 VirtualService default/multi: This VirtualService routes to a service \"multi.example.com\" that exposes multiple ports [80 8080]. Specifying a port in the destination is required to disambiguate."]
        },
        {
            "IST0128 and IST0129 (no caCertificates)",
            Dr + "metadata: { name: db-tls }\nspec:\n  host: ratings\n  trafficPolicy:\n    tls: { mode: SIMPLE }\n    portLevelSettings:\n    - port: { number: 9080 }\n      tls: { mode: SIMPLE }",
            [
                "IST0128 DestinationRule default/db-tls: DestinationRule default/db-tls in namespace default has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: ratings",
                "IST0129 DestinationRule default/db-tls: DestinationRule default/db-tls in namespace default has TLS mode set to SIMPLE but no caCertificates are set to validate server identity for host: ratings at port number:9080",
            ]
        },
        {
            "IST0130 and IST0131 (unreachable rules, duplicate and covered matches)",
            MeshVs + "metadata: { name: reviews }\nspec:\n  hosts: [reviews]\n  http:\n" +
            "  - match: [ { uri: { prefix: /api } } ]\n    route: [ { destination: { host: reviews } } ]\n" +
            "  - name: dup\n    match: [ { uri: { prefix: /api } } ]\n    route: [ { destination: { host: reviews } } ]\n" +
            "  - match: [ { uri: { prefix: /api/v2 } }, { uri: { exact: /other } } ]\n    route: [ { destination: { host: reviews } } ]\n" +
            "  - route: [ { destination: { host: reviews } } ]\n" +
            "  - route: [ { destination: { host: ratings } } ]",
            [
                "IST0130 VirtualService default/reviews: VirtualService rule \"dup\" not used (all matches used by prior rules).",
                "IST0130 VirtualService default/reviews: VirtualService rule #4 not used (only the last rule can have no matches).",
                "IST0131 VirtualService default/reviews: VirtualService rule \"dup\" match #0 is not used (duplicate/overlapping match in rule #0).",
                "IST0131 VirtualService default/reviews: VirtualService rule #2 match #0 of prefix /api/v2 is not used (duplicate/overlapping match in rule #0 of prefix /api on #0).",
            ]
        },
        {
            "IST0132 host not in gateway",
            Gw + "metadata: { name: httpbin-gateway }\nspec:\n  selector: { istio: ingressgateway }\n  servers: [ { port: { number: 80, name: http, protocol: HTTP }, hosts: ['httpbin.example.com'] } ]\n---\n" +
            MeshVs + "metadata: { name: httpbin }\nspec: { hosts: ['httpbin.other.com'], gateways: [httpbin-gateway], http: [ { route: [ { destination: { host: ratings } } ] } ] }",
            ["IST0132 VirtualService default/httpbin: one or more host [httpbin.other.com] defined in VirtualService default/httpbin not found in Gateway default/httpbin-gateway."]
        },
        {
            "IST0134 addresses required for TCP",
            Se + "metadata: { name: db }\nspec: { hosts: [db.example.com], ports: [ { number: 5432, name: tcp, protocol: TCP } ], resolution: DNS }",
            ["IST0134 ServiceEntry default/db: ServiceEntry addresses are required for this protocol."]
        },
        {
            "IST0138 duplicate certificate, on both gateways",
            Gw + "metadata: { name: gateway-a }\nspec:\n  selector: { istio: ingressgateway }\n  servers: [ { port: { number: 443, name: https, protocol: HTTPS }, hosts: [a.example.com], tls: { mode: SIMPLE, serverCertificate: /etc/certs/server.pem, privateKey: /etc/certs/key.pem } } ]\n---\n" +
            Gw + "metadata: { name: gateway-b }\nspec:\n  selector: { istio: ingressgateway }\n  servers: [ { port: { number: 443, name: https, protocol: HTTPS }, hosts: [b.example.com], tls: { mode: SIMPLE, serverCertificate: /etc/certs/server.pem, privateKey: /etc/certs/key.pem } } ]",
            [
                "IST0138 Gateway default/gateway-a: Duplicate certificate in multiple gateways [default/gateway-a default/gateway-b] may cause 404s if clients re-use HTTP2 connections.",
                "IST0138 Gateway default/gateway-b: Duplicate certificate in multiple gateways [default/gateway-b default/gateway-a] may cause 404s if clients re-use HTTP2 connections.",
            ]
        },
        {
            "IST0140 subset has no effect on ingress requests",
            Dr + "metadata: { name: reviews }\nspec: { host: reviews, subsets: [ { name: v1, labels: { version: v1 } } ] }\n---\n" +
            MeshVs + "metadata: { name: reviews-mesh }\nspec: { hosts: [reviews], http: [ { route: [ { destination: { host: reviews, subset: v1 } } ] } ] }\n---\n" +
            Gw + "metadata: { name: edge }\nspec: { selector: { istio: ingressgateway }, servers: [ { port: { number: 80, name: http, protocol: HTTP }, hosts: ['*'] } ] }\n---\n" +
            MeshVs + "metadata: { name: reviews-edge }\nspec: { hosts: ['reviews.example.com'], gateways: [edge], http: [ { route: [ { destination: { host: reviews } } ] } ] }",
            ["IST0140 VirtualService default/reviews-edge: Subset in virtual service default/reviews-mesh has no effect on ingress gateway default/reviews-edge requests"]
        },
        {
            "IST0145 conflicting gateways, on both",
            Gw + "metadata: { name: alpha }\nspec: { selector: { istio: ingressgateway }, servers: [ { port: { number: 80, name: http, protocol: HTTP }, hosts: [foo.bar] } ] }\n---\n" +
            Gw + "metadata: { name: beta }\nspec: { selector: { istio: ingressgateway }, servers: [ { port: { number: 80, name: http, protocol: HTTP }, hosts: [foo.bar] } ] }",
            [
                "IST0145 Gateway default/alpha: Conflict with gateways default/beta (workload selector istio=ingressgateway, port 80, hosts foo.bar).",
                "IST0145 Gateway default/beta: Conflict with gateways default/alpha (workload selector istio=ingressgateway, port 80, hosts foo.bar).",
            ]
        },
        {
            "IST0111 two sidecars without selector, on both",
            Sc + "metadata: { name: one }\nspec: { egress: [ { hosts: ['./*'] } ] }\n---\n" +
            Sc + "metadata: { name: two }\nspec: { egress: [ { hosts: ['istio-system/*'] } ] }",
            [
                "IST0111 Sidecar default/one: The Sidecars [default/one default/two] in namespace \"default\" have no workload selector, which can lead to undefined behavior.",
                "IST0111 Sidecar default/two: The Sidecars [default/one default/two] in namespace \"default\" have no workload selector, which can lead to undefined behavior.",
            ]
        },
        {
            "IST0110 two sidecars select one workload; IST0101 selector matching nothing",
            "apiVersion: mesh.dev/v1\nkind: Endpoint\nmetadata: { name: ratings-x, labels: { app: ratings, version: v1 } }\nspec: { service: ratings, address: 10.0.0.9, port: 9080 }\n---\n" +
            Sc + "metadata: { name: one }\nspec: { workloadSelector: { labels: { app: ratings } }, egress: [ { hosts: ['./*'] } ] }\n---\n" +
            Sc + "metadata: { name: two }\nspec: { workloadSelector: { labels: { version: v1, app: ratings } }, egress: [ { hosts: ['./*'] } ] }\n---\n" +
            Sc + "metadata: { name: three }\nspec: { workloadSelector: { labels: { app: nothing } }, egress: [ { hosts: ['./*'] } ] }",
            [
                "IST0101 Sidecar default/three: Referenced selector not found: \"app=nothing\"",
                "IST0110 Sidecar default/one: The Sidecars [default/one default/two] in namespace \"default\" select the same workload pod \"ratings-x\", which can lead to undefined behavior.",
                "IST0110 Sidecar default/two: The Sidecars [default/one default/two] in namespace \"default\" select the same workload pod \"ratings-x\", which can lead to undefined behavior.",
            ]
        },
        {
            "IST0173 subset selects no workload; IST0174 unknown host",
            Dr + "metadata: { name: ratings }\nspec: { host: ratings, subsets: [ { name: v1, labels: { version: v1 } }, { name: v9, labels: { version: v9 } } ] }\n---\n" +
            Dr + "metadata: { name: ghost }\nspec: { host: ghost.default.svc.cluster.local }",
            [
                "IST0173 DestinationRule default/ratings: The Subset v9 defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).",
                "IST0174 DestinationRule default/ghost: The host ghost.default.svc.cluster.local defined in the DestinationRule does not match any services in the mesh.",
            ]
        },
        {
            "IST0177 conflicting protocols, on both entries",
            Se + "metadata: { name: api-http }\nspec: { hosts: [api.example.com], addresses: [240.0.0.1], ports: [ { number: 443, name: p, protocol: HTTPS } ], resolution: DNS }\n---\n" +
            Se + "metadata: { name: api-tls }\nspec: { hosts: [api.example.com], addresses: [240.0.0.1], ports: [ { number: 443, name: p, protocol: TLS } ], resolution: DNS }",
            [
                "IST0177 ServiceEntry default/api-http: Multiple ServiceEntries (default/api-http, default/api-tls) define the same host \"api.example.com\" and port 443 with conflicting protocols (HTTPS, TLS).",
                "IST0177 ServiceEntry default/api-tls: Multiple ServiceEntries (default/api-http, default/api-tls) define the same host \"api.example.com\" and port 443 with conflicting protocols (HTTPS, TLS).",
                "MESH102 ServiceEntry default/api-http: accepted, not applicable without Kubernetes: virtual IPs need traffic capture; sidecars route by host name",
                "MESH102 ServiceEntry default/api-tls: accepted, not applicable without Kubernetes: virtual IPs need traffic capture; sidecars route by host name",
            ]
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Analyze_IstioExample_ReportsIstioctlFindingsOnEveryResourceInvolved(string name, string yaml, string[] expected)
    {
        Assert.True(name.Length > 0);

        Assert.Equal(expected.Order(StringComparer.Ordinal), Analyze(yaml));
    }

    [Fact]
    public void Analyze_ConflictWithAnExistingVirtualService_ReportedOnBoth()
    {
        var existing = MeshVs + "metadata: { name: stored }\nspec: { hosts: [details], http: [ { route: [ { destination: { host: details } } ] } ] }";
        var applied = MeshVs + "metadata: { name: new }\nspec: { hosts: [details], http: [ { route: [ { destination: { host: details } } ] } ] }";

        var messages = Analyze(applied, existing);

        Assert.Equal(["IST0109 VirtualService default/new", "IST0109 VirtualService default/stored"], messages.Select(m => m[..m.IndexOf(':', StringComparison.Ordinal)]));
    }

    [Fact]
    public void Analyze_ExistingResourcesAlone_AreNotReported()
    {
        var existing = Dr + "metadata: { name: ghost }\nspec: { host: ghost }";

        Assert.Empty(Analyze(MeshVs + "metadata: { name: r }\nspec: { hosts: [ratings], http: [ { route: [ { destination: { host: ratings } } ] } ] }", existing));
    }
}
