using Mesh.Contracts.Protocol;
using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

/// <summary>Connection-level listeners: Sidecar egress ports with tcp/tls routes, and gateway TCP and TLS-passthrough servers.</summary>
public sealed class TcpListenerTranslationTests
{
    private static readonly NodeInfo IngressNode = new()
    {
        Id = "ingress-1",
        Namespace = "default",
        Labels = new Dictionary<string, string> { ["istio"] = "ingressgateway" },
    };

    private const string TcpEcho = """
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: tcp-echo, namespace: default }
        spec: { ports: [ { name: tcp, port: 9000 } ] }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: tcp-echo-v1, namespace: default, labels: { version: v1 } }
        spec: { service: tcp-echo, address: 10.0.1.1, port: 9000 }
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: tcp-echo, namespace: default }
        spec:
          host: tcp-echo
          subsets: [ { name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } } ]
        """;

    private const string EgressListener = """
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: productpage, namespace: default }
        spec:
          workloadSelector: { labels: { app: productpage } }
          egress:
          - port: { number: 9000, protocol: TCP, name: tcp-echo }
            hosts: [ ./tcp-echo ]
          - hosts: [ "*/*" ]
        """;

    [Fact]
    public void SidecarEgressPort_WithoutVirtualService_RoutesToTheServiceOnThatPort()
    {
        var config = Compile(TcpEcho + "\n---\n" + EgressListener, ProductPageNode);

        var listener = Assert.Single(config.TcpListeners);
        Assert.Equal((9000, TcpListenerMode.Tcp, false), (listener.Port, listener.Mode, listener.Gateway));
        var route = Assert.Single(listener.Routes);
        Assert.Equal("outbound|9000||tcp-echo.default.svc.cluster.local", Assert.Single(route.Clusters).Cluster);
        Assert.Contains("outbound|9000||tcp-echo.default.svc.cluster.local", config.Clusters.Keys);
    }

    [Fact]
    public void SidecarEgressPort_TcpRoute_SplitsBySubsetWeights_AndSkipsMatchesForOtherPortsOrCallers()
    {
        var config = Compile(TcpEcho + "\n---\n" + EgressListener + """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: tcp-echo, namespace: default }
            spec:
              hosts: [ tcp-echo ]
              tcp:
              - match: [ { port: 9001 } ]
                route: [ { destination: { host: tcp-echo, subset: v2 } } ]
              - match: [ { sourceLabels: { app: reviews } } ]
                route: [ { destination: { host: tcp-echo, subset: v2 } } ]
              - match: [ { port: 9000 } ]
                route:
                - { destination: { host: tcp-echo, port: { number: 9000 }, subset: v1 }, weight: 80 }
                - { destination: { host: tcp-echo, port: { number: 9000 }, subset: v2 }, weight: 20 }
            """, ProductPageNode);

        var route = Assert.Single(Assert.Single(config.TcpListeners).Routes);
        Assert.Equal("default.tcp-echo.tcp.2", route.Name);
        Assert.Equal(
            [("outbound|9000|v1|tcp-echo.default.svc.cluster.local", 80), ("outbound|9000|v2|tcp-echo.default.svc.cluster.local", 20)],
            route.Clusters.Select(c => (c.Cluster, c.Weight)));
    }

    [Fact]
    public void SidecarEgressTlsPort_RoutesBySni_WithServiceHostsAsDefaults()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: external, namespace: default }
            spec:
              hosts: [ api.example.com ]
              location: MESH_EXTERNAL
              resolution: DNS
              ports: [ { number: 443, name: tls, protocol: TLS } ]
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: productpage, namespace: default }
            spec:
              workloadSelector: { labels: { app: productpage } }
              egress:
              - port: { number: 443, protocol: TLS, name: tls }
                hosts: [ "*/*" ]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: login, namespace: default }
            spec:
              hosts: [ "*.bookinfo.com" ]
              tls:
              - match: [ { port: 443, sniHosts: [ login.bookinfo.com ] } ]
                route: [ { destination: { host: reviews, port: { number: 9080 } } } ]
            """, ProductPageNode);

        var listener = Assert.Single(config.TcpListeners);
        Assert.Equal(TcpListenerMode.TlsPassthrough, listener.Mode);
        Assert.Equal(["login.bookinfo.com"], listener.Routes[0].SniHosts);
        Assert.Equal("outbound|9080||reviews.default.svc.cluster.local", listener.Routes[0].Clusters[0].Cluster);
        Assert.Contains(listener.Routes, r => r.SniHosts.SequenceEqual(["api.example.com"]) && r.Clusters[0].Cluster == "outbound|443||api.example.com");
    }

    [Fact]
    public void HttpEgressPort_OpensNoListener_AndSaysWhy()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: productpage, namespace: default }
            spec:
              workloadSelector: { labels: { app: productpage } }
              egress: [ { port: { number: 9080, protocol: HTTP, name: http }, hosts: [ "*/*" ] } ]
            """, ProductPageNode);

        Assert.Empty(config.TcpListeners);
        Assert.Contains(config.Warnings, w => w.Contains("HTTP is served on the outbound listener", StringComparison.Ordinal));
    }

    [Fact]
    public void IstioTcpEchoSample_GatewayTcpServer_RoutesItsBoundTcpRoute_AndHasNoHttpListener()
    {
        var config = Compile(TcpEcho + """

            ---
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: tcp-echo-gateway, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers: [ { port: { number: 31400, name: tcp, protocol: TCP }, hosts: [ "*" ] } ]
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: tcp-echo, namespace: default }
            spec:
              hosts: [ "*" ]
              gateways: [ tcp-echo-gateway ]
              tcp:
              - match: [ { port: 31400 } ]
                route:
                - { destination: { host: tcp-echo, port: { number: 9000 }, subset: v1 }, weight: 80 }
                - { destination: { host: tcp-echo, port: { number: 9000 }, subset: v2 }, weight: 20 }
            """, IngressNode);

        Assert.Empty(config.Gateways);
        var listener = Assert.Single(config.TcpListeners);
        Assert.Equal((31400, TcpListenerMode.Tcp, true), (listener.Port, listener.Mode, listener.Gateway));
        Assert.Equal([80, 20], Assert.Single(listener.Routes).Clusters.Select(c => c.Weight));
    }

    [Fact]
    public void GatewayPassthroughAndAutoPassthroughServers_BecomeTlsListeners()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: Gateway
            metadata: { name: edge, namespace: default }
            spec:
              selector: { istio: ingressgateway }
              servers:
              - { port: { number: 443, name: tls, protocol: TLS }, hosts: [ "*.bookinfo.com" ], tls: { mode: PASSTHROUGH } }
              - { port: { number: 15443, name: tls-ew, protocol: TLS }, hosts: [ "*.local" ], tls: { mode: AUTO_PASSTHROUGH } }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: login, namespace: default }
            spec:
              hosts: [ "*.bookinfo.com" ]
              gateways: [ edge ]
              tls:
              - match: [ { port: 443, sniHosts: [ login.bookinfo.com ] } ]
                route: [ { destination: { host: reviews } } ]
            """, IngressNode);

        Assert.Empty(config.Gateways);
        Assert.Equal([(443, TcpListenerMode.TlsPassthrough), (15443, TcpListenerMode.AutoPassthrough)], config.TcpListeners.Select(l => (l.Port, l.Mode)));
        Assert.Equal(["login.bookinfo.com"], config.TcpListeners[0].Routes.Single().SniHosts);
        Assert.Empty(config.TcpListeners[1].Routes);
        // AUTO_PASSTHROUGH routes by the cluster the SNI names, so every cluster stays.
        Assert.Contains("outbound|9080||details.default.svc.cluster.local", config.Clusters.Keys);
    }
}
