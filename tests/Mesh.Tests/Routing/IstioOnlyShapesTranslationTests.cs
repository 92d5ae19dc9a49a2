using Mesh.Istio.Validation;
using Mesh.Istio.Yaml;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

/// <summary>
/// Istio shapes beyond plain http routes must compile beside them: the ones still MESH101 (Sidecar
/// ingress/outboundTrafficPolicy) are ignored, and the enforced ones (delegates, portLevelSettings, exportTo, locality
/// distribute, TLS origination files, tcp/tls routes, which open no listener without a Sidecar egress port) take effect.
/// </summary>
public sealed class IstioOnlyShapesTranslationTests
{
    private const string Config = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          exportTo: ['.']
          trafficPolicy:
            loadBalancer:
              simple: LEAST_REQUEST
              localityLbSetting: { enabled: true, distribute: [ { from: 'us/*', to: { 'us/*': 100 } } ] }
              warmupDurationSecs: 10s
            tls: { mode: SIMPLE, caCertificates: /etc/ca.pem, clientCertificate: /etc/c.pem, privateKey: /etc/k.pem }
            portLevelSettings:
            - port: { number: 9080 }
              loadBalancer: { simple: RANDOM }
          subsets:
          - { name: v1, labels: { version: v1 } }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews }
        spec:
          hosts: [reviews]
          exportTo: ['*']
          http:
          - route: [ { destination: { host: reviews, subset: v1 } } ]
            corsPolicy: { allowOrigins: [ { exact: 'https://a' } ] }
          tcp:
          - match: [ { port: 9090 } ]
            route: [ { destination: { host: reviews, port: { number: 9090 } } } ]
          tls:
          - match: [ { sniHosts: [reviews] } ]
            route: [ { destination: { host: reviews } } ]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: ratings-delegate }
        spec:
          http:
          - route: [ { destination: { host: ratings } } ]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: ratings }
        spec:
          hosts: [ratings]
          http:
          - match: [ { uri: { prefix: /ratings } } ]
            delegate: { name: ratings-delegate }
          - route: [ { destination: { host: ratings } } ]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: default }
        spec:
          ingress: [ { port: { number: 9080, protocol: HTTP, name: http }, defaultEndpoint: '127.0.0.1:9080' } ]
          egress: [ { hosts: ['./*'] } ]
          outboundTrafficPolicy: { mode: REGISTRY_ONLY }
        """;

    [Fact]
    public void Compile_IstioShapes_ValidAndCompiledBesideHttpRoutes()
    {
        foreach (var resource in ResourceDocumentReader.Read(Config))
        {
            Assert.DoesNotContain(ResourceValidator.Validate(resource with { Metadata = resource.Metadata with { Namespace = "default" } }), m => m.Severity == ValidationSeverity.Error);
        }

        var config = Compile(Config);

        Assert.Equal($"outbound|9080|v1|{Reviews}=100", Weights(Route(config)));
        Assert.Single(Host(config).Routes);
        var ratings = Host(config, Ratings).Routes;
        Assert.Equal(2, ratings.Count);
        Assert.Equal("/ratings", ratings[0].Matches.Single().Path!.Value);
        Assert.Equal($"outbound|9080||{Ratings}=100", Weights(ratings[0]));
        Assert.Equal($"outbound|9080||{Ratings}=100", Weights(ratings[1]));
        // portLevelSettings for 9080 replaces the rule's LEAST_REQUEST there.
        Assert.Equal(Mesh.Routing.Model.LoadBalancerAlgorithm.Random, Cluster(config, "v1").LoadBalancer.Algorithm);
        Assert.Empty(config.TcpListeners);
        var tls = Cluster(config, "v1").Tls;
        Assert.Equal(("/etc/ca.pem", "/etc/c.pem", "/etc/k.pem"), (tls.CaCertificates, tls.ClientCertificate, tls.PrivateKey));
    }
}
