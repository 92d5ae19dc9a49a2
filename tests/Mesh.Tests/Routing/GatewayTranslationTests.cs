using Mesh.Contracts.Protocol;
using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

public sealed class GatewayTranslationTests
{
    private static readonly NodeInfo IngressNode = new()
    {
        Id = "ingress-1",
        Namespace = "default",
        Labels = new Dictionary<string, string> { ["istio"] = "ingressgateway" },
    };

    private static readonly string Bookinfo = File.ReadAllText(Mesh.Tests.Infrastructure.IstioSamples.File("bookinfo-gateway.yaml"));

    private const string Https = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: secure, namespace: edge }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: 443, name: https, protocol: HTTPS }
            hosts: [ "*.example.com" ]
            tls: { mode: SIMPLE, serverCertificate: /certs/tls.crt, privateKey: /certs/tls.key }
          - port: { number: 80, name: http, protocol: HTTP }
            hosts: [ "*.example.com" ]
            tls: { httpsRedirect: true }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: shop, namespace: default }
        spec:
          hosts: [ shop.example.com, other.org ]
          gateways: [ edge/secure ]
          http: [ { route: [ { destination: { host: reviews } } ] } ]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: shop-api, namespace: default }
        spec:
          hosts: [ shop.example.com ]
          gateways: [ edge/secure ]
          http: [ { match: [ { uri: { prefix: /api } } ], route: [ { destination: { host: ratings } } ] } ]
        """;

    public static TheoryData<string, string, Func<ProxyConfig, object?>, object?> Cases => new()
    {
        { "bookinfo gateway listener", Bookinfo, c => $"{c.Gateways.Count} {c.Gateways[0].Port} {c.Gateways[0].Protocol} {string.Join(",", c.Gateways[0].Hosts)} {c.Gateways[0].Tls is null}", "1 80 HTTP * True" },
        { "bookinfo gateway routes to productpage:9080", Bookinfo, c => c.Gateways[0].VirtualHosts.Single() is var h
            ? $"{string.Join(",", h.Domains)} {h.Routes[0].Matches.Count} {Format(h.Routes[0].Matches[0].Path)} {h.Routes[0].Clusters[0].Cluster}" : null,
            $"* 5 Exact:/productpage outbound|9080||{ProductPage}" },
        { "gateway-only VS leaves the mesh route alone", Bookinfo, c => Route(c, 0, ProductPage).Name, "default" },
        { "TLS termination with certificate paths", Https, c => c.Gateways[0].Tls is var t ? $"{t!.Mode} {t.ServerCertificate} {t.PrivateKey}" : null, "SIMPLE /certs/tls.crt /certs/tls.key" },
        { "httpsRedirect on the plain listener", Https, c => $"{c.Gateways[1].HttpsRedirect} {c.Gateways[1].Tls is null} {c.Gateways[0].HttpsRedirect}", "True True False" },
        { "only VS hosts under the server hosts; VSs for one host merge in order", Https, c => c.Gateways[0].VirtualHosts.Single() is var h
            ? $"{string.Join(",", h.Domains)} {string.Join(",", h.Routes.Select(r => r.Clusters[0].Cluster.Split('|')[3]))}" : null,
            $"shop.example.com,shop.example.com:443 {Reviews},{Ratings}" },
        { "gateway not selecting the node", Bookinfo.Replace("istio: ingressgateway", "istio: egressgateway", StringComparison.Ordinal), c => c.Gateways.Count, 0 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_Gateway_TranslatesField(string scenario, string yaml, Func<ProxyConfig, object?> actual, object? expected)
    {
        var config = Compile(yaml, IngressNode);

        Assert.True(Equals(expected, actual(config)), $"{scenario}: expected <{expected}>, got <{actual(config)}>");
    }

    [Fact]
    public void Compile_SidecarNode_GetsNoGatewayListeners()
    {
        var config = Compile(Bookinfo);

        Assert.Empty(config.Gateways);
    }
}
