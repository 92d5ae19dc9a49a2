using Mesh.Contracts.Protocol;
using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

/// <summary>DestinationRule portLevelSettings, exportTo visibility, and delegate VirtualServices, compiled for a node.</summary>
public sealed class IstioTrafficFeaturesTranslationTests
{
    private static readonly NodeInfo OtherNamespaceNode = new()
    {
        Id = "sleep-1",
        Namespace = "other",
        Labels = new Dictionary<string, string> { ["app"] = "sleep" },
    };

    private const string TwoPorts = """
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: api, namespace: default }
        spec: { ports: [ { name: http, port: 8080 }, { name: admin, port: 9090 } ] }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: api-v1, namespace: default, labels: { version: v1 } }
        spec: { service: api, address: 10.0.2.1, port: 8080 }
        """;

    [Fact]
    public void PortLevelSettings_ReplaceTheRulesFieldsForThatPortOnly_AlsoInSubsets()
    {
        var config = Compile(TwoPorts + """

            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: api, namespace: default }
            spec:
              host: api
              trafficPolicy:
                loadBalancer: { simple: ROUND_ROBIN }
                connectionPool: { tcp: { maxConnections: 100 } }
                portLevelSettings:
                - port: { number: 9090 }
                  loadBalancer: { simple: LEAST_REQUEST }
              subsets:
              - name: v1
                labels: { version: v1 }
                trafficPolicy:
                  portLevelSettings:
                  - port: { number: 8080 }
                    loadBalancer: { simple: RANDOM }
            """, ProductPageNode);

        var host = "api.default.svc.cluster.local";
        Assert.Equal(LoadBalancerAlgorithm.RoundRobin, config.Clusters[$"outbound|8080||{host}"].LoadBalancer.Algorithm);
        Assert.Equal(LoadBalancerAlgorithm.LeastRequest, config.Clusters[$"outbound|9090||{host}"].LoadBalancer.Algorithm);
        Assert.NotNull(config.Clusters[$"outbound|9090||{host}"].ConnectionPool);
        Assert.Equal(LoadBalancerAlgorithm.Random, config.Clusters[$"outbound|8080|v1|{host}"].LoadBalancer.Algorithm);
        Assert.Equal(LoadBalancerAlgorithm.LeastRequest, config.Clusters[$"outbound|9090|v1|{host}"].LoadBalancer.Algorithm);
    }

    [Theory]
    [InlineData("[\".\"]", "default", true)]
    [InlineData("[\".\"]", "other", false)]
    [InlineData("[\"other\"]", "other", true)]
    [InlineData("[\"*\"]", "other", true)]
    [InlineData("[\"third\"]", "other", false)]
    public void ExportTo_LimitsWhichNamespacesSeeAVirtualServiceAndDestinationRule(string exportTo, string nodeNamespace, bool visible)
    {
        var node = nodeNamespace == "default" ? ProductPageNode : OtherNamespaceNode;
        var config = Compile($$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews, namespace: default }
            spec:
              hosts: [ reviews ]
              exportTo: {{exportTo}}
              http: [ { route: [ { destination: { host: reviews, subset: v2 } } ] } ]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews, namespace: default }
            spec:
              host: reviews
              exportTo: {{exportTo}}
              trafficPolicy: { loadBalancer: { simple: RANDOM } }
              subsets: [ { name: v2, labels: { version: v2 } } ]
            """, node);

        var routes = config.VirtualHosts.Single(h => h.Name == $"{Reviews}:9080").Routes;
        Assert.Equal(visible ? $"outbound|9080|v2|{Reviews}" : $"outbound|9080||{Reviews}", routes.Single().Clusters.Single().Cluster);
        Assert.Equal(visible ? LoadBalancerAlgorithm.Random : LoadBalancerAlgorithm.RoundRobin, config.Clusters[$"outbound|9080||{Reviews}"].LoadBalancer.Algorithm);
    }

    [Fact]
    public void ServiceEntryExportedToNoNamespace_IsNoHostForAnyone()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: hidden, namespace: default }
            spec: { hosts: [ hidden.example.com ], exportTo: [ "~" ], ports: [ { number: 80, name: http, protocol: HTTP } ], resolution: DNS }
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: shown, namespace: default }
            spec: { hosts: [ shown.example.com ], ports: [ { number: 80, name: http, protocol: HTTP } ], resolution: DNS }
            """, ProductPageNode);

        Assert.DoesNotContain(config.VirtualHosts, h => h.Domains.Contains("hidden.example.com"));
        Assert.Contains(config.VirtualHosts, h => h.Domains.Contains("shown.example.com"));
    }

    [Fact]
    public void DelegateChain_RootMatchNarrowedByTheDelegatesRoutes()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: root, namespace: default }
            spec:
              hosts: [ reviews ]
              http:
              - match: [ { uri: { prefix: /reviews } } ]
                delegate: { name: reviews-routes, namespace: team }
              - route: [ { destination: { host: ratings } } ]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews-routes, namespace: team }
            spec:
              http:
              - match: [ { uri: { prefix: /reviews/v2 }, headers: { end-user: { exact: jason } } } ]
                route: [ { destination: { host: reviews.default.svc.cluster.local, subset: v2 } } ]
              - match: [ { uri: { prefix: /elsewhere } } ]
                route: [ { destination: { host: reviews.default.svc.cluster.local, subset: v3 } } ]
              - route: [ { destination: { host: reviews.default.svc.cluster.local, subset: v1 } } ]
            """, ProductPageNode);

        var routes = config.VirtualHosts.Single(h => h.Name == $"{Reviews}:9080").Routes;
        Assert.Equal(3, routes.Count);
        Assert.Equal(("/reviews/v2", "jason"), (routes[0].Matches.Single().Path!.Value, routes[0].Matches.Single().Headers.Single().Match.Value));
        Assert.EndsWith("|v2|" + Reviews, routes[0].Clusters.Single().Cluster, StringComparison.Ordinal);
        // The delegate's unconditional route inherits the root's prefix; /elsewhere cannot lie under /reviews.
        Assert.Equal("/reviews", routes[1].Matches.Single().Path!.Value);
        Assert.EndsWith("|v1|" + Reviews, routes[1].Clusters.Single().Cluster, StringComparison.Ordinal);
        Assert.EndsWith("||" + Ratings, routes[2].Clusters.Single().Cluster, StringComparison.Ordinal);
        Assert.Contains(config.Warnings, w => w.Contains("cannot narrow the match", StringComparison.Ordinal));
    }

    [Fact]
    public void DelegateNotExportedToTheRootsNamespace_IsSkippedWithAWarning()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: root, namespace: default }
            spec:
              hosts: [ reviews ]
              http:
              - match: [ { uri: { prefix: /reviews } } ]
                delegate: { name: private-routes, namespace: team }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: private-routes, namespace: team }
            spec:
              exportTo: [ "." ]
              http: [ { route: [ { destination: { host: reviews.default.svc.cluster.local, subset: v2 } } ] } ]
            """, new NodeInfo { Id = "team-1", Namespace = "default", Labels = new Dictionary<string, string>() });

        Assert.Empty(config.VirtualHosts.Single(h => h.Name == $"{Reviews}:9080").Routes);
        Assert.Contains(config.Warnings, w => w.Contains("is not a delegate VirtualService visible to default", StringComparison.Ordinal));
    }
}
