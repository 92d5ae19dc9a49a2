using Mesh.Contracts.Registry;
using Mesh.Routing.Compilation;
using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

public sealed class RegistryTranslationTests
{
    private const string OtherNamespace = """
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: catalog, namespace: shop }
        spec: { ports: [ { name: http, port: 8080 }, { name: grpc, port: 9090, protocol: GRPC, targetPort: 19090 } ] }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: catalog-1, namespace: shop }
        spec: { service: catalog, address: 10.1.0.1, port: 8080 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: catalog-1-grpc, namespace: shop }
        spec: { service: catalog, address: 10.1.0.1, port: 19090 }
        ---
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: reviews, namespace: shop }
        spec: { ports: [ { name: http, port: 9080 } ] }
        """;

    private const string Catalog = "catalog.shop.svc.cluster.local";

    public static TheoryData<string, string, Func<ProxyConfig, object?>, object?> Cases => new()
    {
        { "own-namespace domains include the short name", "", c => string.Join(",", Host(c).Domains),
            $"reviews,reviews:9080,reviews.default,reviews.default:9080,reviews.default.svc,reviews.default.svc:9080,{Reviews},{Reviews}:9080" },
        { "other namespace: unique short name is a domain", OtherNamespace, c => Host(c, Catalog, 8080).Domains[0], "catalog" },
        { "other namespace: colliding short name is not a domain", OtherNamespace, c => Host(c, "reviews.shop.svc.cluster.local").Domains[0], "reviews.shop" },
        { "one cluster per port", OtherNamespace, c => $"{Addresses(Cluster(c, null, Catalog, 8080))} {Addresses(Cluster(c, null, Catalog, 9090))}", "10.1.0.1:8080 10.1.0.1:19090" },
        { "multi-port service: an endpoint behind a sidecar serves every port, a bare one only its own", """
            apiVersion: mesh.dev/v1
            kind: Service
            metadata: { name: tokenizer, namespace: shop }
            spec: { ports: [ { name: http, port: 80 }, { name: grpc, port: 9090, protocol: GRPC } ] }
            ---
            apiVersion: mesh.dev/v1
            kind: Endpoint
            metadata: { name: tokenizer-1, namespace: shop }
            spec: { service: tokenizer, address: 10.1.0.2, port: 15410, sidecarPort: 15411 }
            ---
            apiVersion: mesh.dev/v1
            kind: Endpoint
            metadata: { name: tokenizer-bare, namespace: shop }
            spec: { service: tokenizer, address: 10.1.0.3, port: 15420 }
            """, c => $"{Addresses(Cluster(c, null, "tokenizer.shop.svc.cluster.local", 80))} {Addresses(Cluster(c, null, "tokenizer.shop.svc.cluster.local", 9090))}",
            "10.1.0.2:15410 10.1.0.2:15410" },
        { "endpoint fields", "", c => Cluster(c).Endpoints[0] is var e ? $"{e.Address} {e.Port} {e.Weight} {e.Health} {e.Zone} {e.SidecarPort} {e.Labels["version"]}" : null,
            "10.0.0.1 9080 1 Healthy zone-a 15006 v1" },
        { "endpoint weight, health and topology zone label", "", c => Cluster(c).Endpoints[1] is var e ? $"{e.Weight} {e.Zone}" : null, "3 zone-b" },
        { "unhealthy endpoints are kept with their health", "", c => Cluster(c).Endpoints[2].Health, EndpointHealth.Unhealthy },
        { "identity from the service account", "", c => Cluster(c).Endpoints[0].Identity, "spiffe://cluster.local/ns/default/sa/bookinfo-reviews" },
        { "identity defaults to the default service account", "", c => Cluster(c, null, Ratings).Endpoints[0].Identity, "spiffe://cluster.local/ns/default/sa/default" },
        { "VS host name.ns resolves to the other namespace", OtherNamespace + """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: catalog, namespace: default }
            spec:
              hosts: [catalog.shop]
              http: [ { route: [ { destination: { host: catalog.shop, port: { number: 9090 } } } ] } ]
            """, c => Host(c, Catalog, 8080).Routes[0].Clusters[0].Cluster, $"outbound|9090||{Catalog}" },
        { "destination port defaults to the routed port of a multi-port service", OtherNamespace + """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: catalog, namespace: shop }
            spec:
              hosts: [catalog]
              http: [ { route: [ { destination: { host: catalog } } ] } ]
            """, c => Host(c, Catalog, 9090).Routes[0].Clusters[0].Cluster, $"outbound|9090||{Catalog}" },
        { "oldest VS wins for a host, with a warning", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: first }
            spec: { hosts: [reviews], http: [ { route: [ { destination: { host: ratings } } ] } ] }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: second }
            spec: { hosts: [reviews], http: [ { route: [ { destination: { host: details } } ] } ] }
            """, c => $"{Route(c).Clusters[0].Cluster} {c.Warnings.Count(w => w.Contains("default/second ignored", StringComparison.Ordinal))}", $"outbound|9080||{Ratings} 1" },
        { "VS for a host with no service gets a port 80 virtual host", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: alias }
            spec: { hosts: [api.example.com], http: [ { route: [ { destination: { host: reviews } } ] } ] }
            """, c => Host(c, "api.example.com", 80).Routes[0].Clusters[0].Cluster, $"outbound|9080||{Reviews}" },
        { "invalid spec is a warning, not a failure", """
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: broken }
            spec: { hosts: reviews }
            """, c => $"{Route(c).Name} {c.Warnings.Any(w => w.Contains("broken", StringComparison.Ordinal))}", "default True" },
        { "revision is carried", "", c => c.Revision, 42L },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_Registry_TranslatesField(string scenario, string yaml, Func<ProxyConfig, object?> actual, object? expected)
    {
        var config = Compile(yaml);

        Assert.True(Equals(expected, actual(config)), $"{scenario}: expected <{expected}>, got <{actual(config)}>");
    }

    [Fact]
    public void Compile_TrustDomainOption_FormsIdentity()
    {
        var config = Compile("", options: new ProxyCompilerOptions { TrustDomain = "eu.example" });

        Assert.Equal("spiffe://eu.example/ns/default/sa/bookinfo-reviews", Cluster(config).Endpoints[0].Identity);
    }
}
