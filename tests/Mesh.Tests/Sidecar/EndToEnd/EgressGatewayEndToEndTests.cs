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

    /// <summary>
    /// Istio's "Egress Gateways" task for HTTPS traffic: the workload speaks TLS itself, its sidecar routes the
    /// connection by SNI to the gateway over mutual TLS, and the gateway passes it through by SNI unopened. The
    /// workload reaches its sidecar's egress TLS listener on 8443 (no traffic capture); the gateway's server is 443.
    /// </summary>
    private const string PassthroughResources = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: api, namespace: default }
        spec:
          hosts: [api.example.test]
          ports:
          - { number: 443, name: tls, protocol: TLS, targetPort: SERVER_PORT }
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
          - port: { number: 443, name: tls, protocol: TLS }
            hosts: [api.example.test]
            tls: { mode: PASSTHROUGH }
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: egressgateway-for-api, namespace: default }
        spec:
          host: istio-egressgateway.istio-system.svc.cluster.local
          subsets:
          - name: api
            trafficPolicy: { tls: { mode: ISTIO_MUTUAL } }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: direct-api-through-egress-gateway, namespace: default }
        spec:
          hosts: [api.example.test]
          gateways: [mesh, istio-egressgateway]
          tls:
          - match: [ { gateways: [mesh], port: 8443, sniHosts: [api.example.test] } ]
            route: [ { destination: { host: istio-egressgateway.istio-system.svc.cluster.local, subset: api, port: { number: 443 } } } ]
          - match: [ { gateways: [istio-egressgateway], port: 443, sniHosts: [api.example.test] } ]
            route: [ { destination: { host: api.example.test, port: { number: 443 } } } ]
        ---
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: sleep, namespace: default }
        spec:
          workloadSelector: { labels: { app: sleep } }
          egress:
          - port: { number: 8443, protocol: TLS, name: tls }
            hosts: ['*/api.example.test']
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
        await using var egress = await EgressMesh.StartAsync(bed, gatewayReplicas: 1);
        var (api, gateway, sleep) = (egress.Api, egress.Gateways[0], egress.Sleep);

        // The server sees the gateway's client certificate: the call left through the gateway, which originated TLS.
        Assert.Equal("tls client=CN=egress.mesh.test", await sleep.GetThroughAsync($"http://{Host}/", HttpStatusCode.OK));
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

    /// <summary>
    /// One of two egress gateway replicas killed (SIGKILL) under steady traffic: callers keep getting answers. Only a
    /// request in flight on the killed replica may fail (a reset after it was sent is not retried, as in Istio's
    /// default retry policy); the connect failures that follow are retried on the other replica.
    /// </summary>
    [Fact]
    public async Task EgressGateway_OneOfTwoReplicasKilledUnderTraffic_OnlyInFlightRequestsMayFail()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        await using var egress = await EgressMesh.StartAsync(bed, gatewayReplicas: 2);
        const int Concurrency = 2;
        await using var load = new LoadLoop(egress.Sleep.Proxy, $"http://{Host}/", Concurrency);
        await load.WaitForMoreAsync(100);

        egress.Gateways[0].Process.Kill();
        await load.WaitForMoreAsync(300);
        await load.StopAsync();
        log.WriteLine($"gateway replica killed: {load.Failures.Count} failed of {load.Succeeded + load.Failures.Count} requests");

        Assert.True(load.Failures.Count <= Concurrency, $"{load.Failures.Count} failed requests: {string.Join("; ", load.Failures.Take(5))}");
        Assert.True(egress.Api.Requests >= 400, $"the external server saw {egress.Api.Requests} requests");
    }

    [Fact]
    public async Task EgressGateway_TlsPassthrough_WorkloadsOwnTlsReachesTheServerThroughTheGateway()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        await using var egress = await EgressMesh.StartAsync(bed, gatewayReplicas: 1, PassthroughResources, throughHttp: false);
        string? presented = null;
        using var https = new HttpClient(new SocketsHttpHandler
        {
            // The workload's own TLS, to its sidecar's egress listener: the name it verifies is the external host's.
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, 8443), cancellationToken);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => (presented = certificate?.GetCertHashString()) == egress.ServerThumbprint },
        });

        var body = await Poll.UntilAsync(async () =>
        {
            try
            {
                return await https.GetStringAsync($"https://{Host}/");
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, TimeSpan.FromSeconds(20), () => $"no answer through the passthrough\n--- gateway ---\n{egress.Gateways[0].Process.Output}\n--- sleep ---\n{egress.Sleep.Process.Output}");

        Assert.Equal("tls client=none", body);
        Assert.Equal(egress.ServerThumbprint, presented);
        await egress.Gateways[0].WaitForMetricAsync("istio_tcp_connections_opened_total{");
        Assert.Contains("destination_service=\"api.example.test\"", await egress.Gateways[0].Admin.GetStringAsync("/metrics"), StringComparison.Ordinal);
    }

    /// <summary>The external HTTPS server, the stored client credential, the egress gateway replicas and the sleep workload, with Istio's task resources applied.</summary>
    private sealed class EgressMesh : IAsyncDisposable
    {
        private readonly List<IDisposable> _certificates = [];

        public required ExternalHttpsServer Api { get; init; }
        public required IReadOnlyList<SidecarProcess> Gateways { get; init; }
        public required SidecarProcess Sleep { get; init; }

        /// <summary>The external server's certificate, which a workload speaking TLS itself must see.</summary>
        public required string ServerThumbprint { get; init; }

        public static async Task<EgressMesh> StartAsync(MeshTestBed bed, int gatewayReplicas, string resources = Resources, bool throughHttp = true)
        {
            var serverCa = new TestCa("api-server-ca");
            var clientCa = new TestCa("api-client-ca");
            var serverCertificate = serverCa.IssueForHost(Host);
            var clientCertificate = clientCa.IssueForHost("egress.mesh.test");
            var api = await ExternalHttpsServer.StartAsync(serverCertificate, clientCa.Root);
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
                    // One port: each replica registers the port it listens on, which a single-port service maps any port to.
                    Ports = [new ServicePort { Name = "https", Port = 443 }],
                }),
            });
            var gateways = new List<SidecarProcess>();
            for (var i = 0; i < gatewayReplicas; i++)
            {
                gateways.Add(await bed.StartSidecarAsync($"egressgateway-{i}", service: "istio-egressgateway", labels: "istio=egressgateway",
                    extraArgs: ["--mode", "gateway", "--namespace", "istio-system",
                        "--join-token", await bed.Silo.JoinTokenAsync("istio-egressgateway-service-account", "istio-system")]));
            }

            var sleep = await bed.StartSidecarAsync("sleep", labels: "app=sleep", extraArgs: ["--join-token", await bed.Silo.JoinTokenAsync("sleep")]);
            foreach (var resource in ResourceDocumentReader.Read(resources.Replace("SERVER_PORT", api.Port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)))
            {
                await bed.ApplyAsync(resource);
            }

            await bed.SyncAsync([.. gateways, sleep]);
            await Poll.UntilTrueAsync(async () => !throughHttp || await OkAsync(sleep), TimeSpan.FromSeconds(20),
                () => $"no 200 through the egress gateway\n--- gateway ---\n{gateways[0].Process.Output}\n--- sleep ---\n{sleep.Process.Output}");
            var mesh = new EgressMesh { Api = api, Gateways = gateways, Sleep = sleep, ServerThumbprint = serverCertificate.Thumbprint };
            mesh._certificates.AddRange([serverCa, clientCa, serverCertificate, clientCertificate]);
            return mesh;
        }

        private static async Task<bool> OkAsync(SidecarProcess sleep)
        {
            using var response = await sleep.Proxy.GetAsync($"http://{Host}/");
            return response.StatusCode == HttpStatusCode.OK;
        }

        public async ValueTask DisposeAsync()
        {
            await Api.DisposeAsync();
            foreach (var certificate in _certificates)
            {
                certificate.Dispose();
            }
        }
    }
}
