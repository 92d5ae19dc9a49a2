using System.Globalization;
using System.Net;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Istio.Yaml;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.Security;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Istio's "Egress Gateways with TLS Origination" task, its resources applied as Istio documents them (the external host
/// renamed): the workload calls <c>http://api.example.test</c>, its sidecar sends the call over mutual TLS to the
/// egress gateway, and the gateway originates mutual TLS to the "external" HTTPS server with a client certificate from
/// a stored credential, verifying the server against the credential's CA. An AuthorizationPolicy on the gateway lets
/// one caller out and refuses another.
/// </summary>
public sealed class EgressGatewayEndToEndTests(ITestOutputHelper log)
{
    private const string Host = "api.example.test";

    private const string Resources = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: api, namespace: default }
        spec:
          hosts: [api.example.test]
          ports:
          - { number: 80, name: http-port, protocol: HTTP, targetPort: SERVER_PORT }
          - { number: 443, name: https, protocol: HTTPS, targetPort: SERVER_PORT }
          resolution: STATIC
          location: MESH_EXTERNAL
          endpoints: [ { address: 127.0.0.1 } ]
        ---
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: istio-egressgateway, namespace: default }
        spec:
          selector: { istio: egressgateway }
          servers:
          - port: { number: 443, name: https, protocol: HTTPS }
            hosts: [api.example.test]
            tls: { mode: ISTIO_MUTUAL }
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: egressgateway-for-api, namespace: default }
        spec:
          host: istio-egressgateway.istio-system.svc.cluster.local
          subsets:
          - name: api
            trafficPolicy:
              portLevelSettings:
              - port: { number: 443 }
                tls: { mode: ISTIO_MUTUAL, sni: api.example.test }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: direct-api-through-egress-gateway, namespace: default }
        spec:
          hosts: [api.example.test]
          gateways: [istio-egressgateway, mesh]
          http:
          - match: [ { gateways: [mesh], port: 80 } ]
            route:
            - destination: { host: istio-egressgateway.istio-system.svc.cluster.local, subset: api, port: { number: 443 } }
              weight: 100
          - match: [ { gateways: [istio-egressgateway], port: 443 } ]
            route:
            - destination: { host: api.example.test, port: { number: 443 } }
              weight: 100
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: originate-mtls-for-api, namespace: default }
        spec:
          host: api.example.test
          trafficPolicy:
            loadBalancer: { simple: ROUND_ROBIN }
            portLevelSettings:
            - port: { number: 443 }
              tls: { mode: MUTUAL, credentialName: client-credential, sni: api.example.test }
        """;

    private const string GatewayPolicy = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: allow-sleep-to-api, namespace: istio-system }
        spec:
          selector: { matchLabels: { istio: egressgateway } }
          action: ALLOW
          rules:
          - from: [ { source: { principals: [cluster.local/ns/default/sa/sleep] } } ]
            to: [ { operation: { hosts: [api.example.test] } } ]
        """;

    [Fact]
    public async Task EgressGateway_MutualTlsFromSidecar_OriginatesMutualTlsWithStoredCredential_AuthorizesCallers()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        using var serverCa = new TestCa("api-server-ca");
        using var clientCa = new TestCa("api-client-ca");
        using var serverCertificate = serverCa.IssueForHost(Host);
        using var clientCertificate = clientCa.IssueForHost("egress.mesh.test");
        await using var api = await ExternalHttpsServer.StartAsync(serverCertificate, clientCa.Root);
        // The gateway's credential lives in the gateway's namespace, as Istio's secrets for credentialName do.
        await bed.Silo.PutCredentialAsync("client-credential", clientCertificate, serverCa.CertificatePem, ns: "istio-system");
        await bed.Silo.Admin.PutServiceAsync(new MeshResource
        {
            ApiVersion = ResourceKinds.MeshApiVersion,
            Kind = ResourceKinds.Service,
            Metadata = new ResourceMetadata { Name = "istio-egressgateway", Namespace = "istio-system" },
            Spec = MeshJson.ToElement(new ServiceSpec
            {
                ServiceAccount = "istio-egressgateway-service-account",
                // One port: the gateway registers the port it listens on, which a single-port service maps to any port.
                Ports = [new ServicePort { Name = "https", Port = 443 }],
            }),
        });
        var gateway = await bed.StartSidecarAsync("egressgateway", service: "istio-egressgateway", labels: "istio=egressgateway",
            extraArgs: ["--mode", "gateway", "--namespace", "istio-system",
                "--join-token", await bed.Silo.JoinTokenAsync("istio-egressgateway-service-account", "istio-system")]);
        var sleep = await bed.StartSidecarAsync("sleep", labels: "app=sleep", extraArgs: ["--join-token", await bed.Silo.JoinTokenAsync("sleep")]);
        foreach (var resource in ResourceDocumentReader.Read(Resources.Replace("SERVER_PORT", api.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)))
        {
            await bed.ApplyAsync(resource);
        }

        await bed.SyncAsync(gateway, sleep);

        // The server sees the gateway's client certificate: the call left through the gateway, which originated TLS.
        var body = await Poll.UntilAsync(async () =>
        {
            using var response = await sleep.Proxy.GetAsync($"http://{Host}/");
            return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadAsStringAsync() : null;
        }, TimeSpan.FromSeconds(20), () => $"no 200 through the egress gateway\n--- gateway ---\n{gateway.Process.Output}\n--- sleep ---\n{sleep.Process.Output}");
        Assert.Equal("tls client=CN=egress.mesh.test", body);
        // Access log lines are written once the response completes, so they are awaited, not read at once.
        await sleep.Process.WaitForOutputAsync("\"upstream_cluster\":\"outbound|443|api|istio-egressgateway.istio-system.svc.cluster.local\"", TimeSpan.FromSeconds(10));
        await gateway.Process.WaitForOutputAsync("\"upstream_cluster\":\"outbound|443||api.example.test\"", TimeSpan.FromSeconds(10));
        await gateway.WaitForMetricAsync("destination_service=\"api.example.test\"");

        // Only sleep may leave through the gateway once a policy selects it.
        foreach (var resource in ResourceDocumentReader.Read(GatewayPolicy))
        {
            await bed.ApplyAsync(resource);
        }

        var other = await bed.StartSidecarAsync("other", labels: "app=other", extraArgs: ["--join-token", await bed.Silo.JoinTokenAsync("other")]);
        await bed.SyncAsync(gateway, sleep, other);
        Assert.Equal("tls client=CN=egress.mesh.test", await sleep.GetThroughAsync($"http://{Host}/", HttpStatusCode.OK));
        var served = api.Requests;
        await other.GetThroughAsync($"http://{Host}/", HttpStatusCode.Forbidden);
        Assert.Equal(served, api.Requests);
        Assert.DoesNotContain("PRIVATE KEY", gateway.Process.Output, StringComparison.Ordinal);
    }
}
