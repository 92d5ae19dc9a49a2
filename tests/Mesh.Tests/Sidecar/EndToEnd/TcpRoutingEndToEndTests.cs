using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.Security;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// VirtualService tcp and tls routes through real sidecar processes: the app reaches a TCP service on a Sidecar egress
/// listener (Istio's way without traffic capture), connections split by weight over mutual TLS between sidecars, TLS
/// is routed by SNI without being terminated, and every connection shows in istio_tcp_* on both ends.
/// </summary>
public sealed class TcpRoutingEndToEndTests(ITestOutputHelper log)
{
    private const int Connections = 200;

    [Fact]
    public async Task TcpRoute_WeightedSplitOverMutualTls_RelaysBytesAndCountsThemOnBothSides()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        await using var v1 = LineServer.Start("v1");
        await using var v2 = LineServer.Start("v2");
        var port = TestPorts.Next();
        await bed.Silo.Admin.PutServiceAsync(TcpService("tcp-echo", port));
        await bed.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await bed.ApplyAsync(IstioResources.Subsets("tcp-echo"));
        await bed.ApplyAsync(EgressListener(port, "TCP", "./tcp-echo"));
        await bed.ApplyAsync(IstioResources.VirtualService("tcp-echo", new
        {
            hosts = new[] { "tcp-echo" },
            tcp = new[]
            {
                new
                {
                    match = new[] { new { port } },
                    route = new[]
                    {
                        new { destination = new { host = "tcp-echo", subset = "v1" }, weight = 80 },
                        new { destination = new { host = "tcp-echo", subset = "v2" }, weight = 20 },
                    },
                },
            },
        }));

        var echoV1 = await StartSecureAsync(bed, "tcp-echo-v1", "tcp-echo", v1.Port, "app=tcp-echo,version=v1");
        var echoV2 = await StartSecureAsync(bed, "tcp-echo-v2", "tcp-echo", v2.Port, "app=tcp-echo,version=v2");
        var client = await StartSecureAsync(bed, "client", null, null, "app=client,version=v1");
        await client.WaitForEndpointAsync(echoV1);
        await client.WaitForEndpointAsync(echoV2);
        await bed.SyncAsync(client, echoV1, echoV2);
        await WaitForListenerAsync(client, port);

        var answers = new Dictionary<string, int>();
        for (var i = 0; i < Connections; i++)
        {
            var answer = await LineServer.AskAsync(port, "ping");
            Assert.NotNull(answer);
            Assert.EndsWith(" ping", answer);
            var version = answer[..answer.IndexOf(' ', StringComparison.Ordinal)];
            answers[version] = answers.GetValueOrDefault(version) + 1;
        }

        // 80/20 of 200: mean 160, sd 5.7; ±4.5 sd.
        Assert.InRange(answers.GetValueOrDefault("v1"), 135, 185);
        Assert.Equal(Connections, answers.GetValueOrDefault("v1") + answers.GetValueOrDefault("v2"));
        Assert.Equal(answers["v1"], v1.Connections);

        // Source side: the client's sidecar, by destination version. Destination side: mutual TLS, the caller named
        // through the in-band metadata exchange, and exactly the bytes that passed ("ping\n" in, "vN ping\n" out).
        var v1Count = answers["v1"].ToString(CultureInfo.InvariantCulture);
        await client.WaitForMetricAsync($"istio_tcp_connections_closed_total{{reporter=\"source\",source_workload=\"client-v1\"");
        var sourceMetrics = await client.MetricsAsync();
        Assert.Matches($"istio_tcp_connections_opened_total\\{{reporter=\"source\"[^}}]*destination_version=\"v1\"[^}}]*request_protocol=\"tcp\"[^}}]*\\}} {v1Count}\\n", sourceMetrics);
        Assert.DoesNotContain("response_code", Lines(sourceMetrics).First(l => l.StartsWith("istio_tcp_sent_bytes_total{", StringComparison.Ordinal)), StringComparison.Ordinal);

        var received = (5 * answers["v1"]).ToString(CultureInfo.InvariantCulture);
        var sent = (8 * answers["v1"]).ToString(CultureInfo.InvariantCulture);
        await Poll.UntilTrueAsync(async () => (await echoV1.MetricsAsync()).Contains($"istio_tcp_connections_closed_total{{reporter=\"destination\",source_workload=\"client-v1\"", StringComparison.Ordinal)
                && ClosedEqualsOpened(await echoV1.MetricsAsync(), v1Count),
            TimeSpan.FromSeconds(10), () => "the destination sidecar never counted every connection closed");
        var destinationMetrics = await echoV1.MetricsAsync();
        Assert.Matches($"istio_tcp_received_bytes_total\\{{reporter=\"destination\",source_workload=\"client-v1\"[^}}]*connection_security_policy=\"mutual_tls\"\\}} {received}\\n", destinationMetrics);
        Assert.Matches($"istio_tcp_sent_bytes_total\\{{reporter=\"destination\",source_workload=\"client-v1\"[^}}]*source_principal=\"spiffe://cluster.local/ns/default/sa/client\"[^}}]*\\}} {sent}\\n", destinationMetrics);
    }

    [Fact]
    public async Task TlsRoute_PassthroughBySni_ReachesTheServerNamedWithItsOwnCertificate_UnknownSniIsClosed()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        using var certificateA = SelfSigned("a.example.test");
        using var certificateB = SelfSigned("b.example.test");
        await using var serverA = LineServer.Start("A", certificateA);
        await using var serverB = LineServer.Start("B", certificateB);
        var port = TestPorts.Next();
        await bed.AddServiceAsync("tls-a", port, [serverA.Port]);
        await bed.AddServiceAsync("tls-b", port, [serverB.Port]);
        await bed.ApplyAsync(EgressListener(port, "TLS", "*/*"));
        await bed.ApplyAsync(IstioResources.VirtualService("by-sni", new
        {
            hosts = new[] { "a.example.test", "b.example.test" },
            tls = new[]
            {
                new { match = new[] { new { port, sniHosts = new[] { "a.example.test" } } }, route = new[] { new { destination = new { host = "tls-a" } } } },
                new { match = new[] { new { port, sniHosts = new[] { "b.example.test" } } }, route = new[] { new { destination = new { host = "tls-b" } } } },
            },
        }));
        var client = await bed.StartSidecarAsync("client", labels: "app=client,version=v1");
        await bed.SyncAsync(client);
        await WaitForListenerAsync(client, port);

        // The handshake completes against each server's own certificate: the sidecar read the SNI and passed the bytes on.
        Assert.Equal("B hello", await LineServer.AskAsync(port, "hello", "b.example.test", certificateB));
        Assert.Equal("A hello", await LineServer.AskAsync(port, "hello", "a.example.test", certificateA));
        Assert.Equal("B again", await LineServer.AskAsync(port, "again", "b.example.test", certificateB));

        await Assert.ThrowsAnyAsync<IOException>(() => LineServer.AskAsync(port, "hello", "c.example.test"));
        await client.WaitForMetricAsync("response_flags=\"NR\"");
        Assert.Equal(2, serverB.Connections);
        Assert.Equal(1, serverA.Connections);
    }

    [Fact]
    public async Task Gateway_IstioTcpEchoSample_SplitsConnections_AndAutoPassthroughKeepsTheDestinationsTlsEndToEnd()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        await using var v1 = LineServer.Start("v1");
        await using var v2 = LineServer.Start("v2");
        var servicePort = TestPorts.Next();
        var tcpPort = TestPorts.Next();
        var eastWestPort = TestPorts.Next();
        await bed.Silo.Admin.PutServiceAsync(TcpService("tcp-echo", servicePort));
        await bed.ApplyAsync(IstioResources.Subsets("tcp-echo"));
        // samples/tcp-echo/tcp-echo-20-v2.yaml from Istio, on this test's ports, plus an east-west AUTO_PASSTHROUGH server.
        await bed.ApplyAsync(IstioResources.Gateway("tcp-echo-gateway", new
        {
            selector = new { istio = "ingressgateway" },
            servers = new object[]
            {
                new { port = new { number = tcpPort, name = "tcp", protocol = "TCP" }, hosts = new[] { "*" } },
                new { port = new { number = eastWestPort, name = "tls", protocol = "TLS" }, hosts = new[] { "*.local" }, tls = new { mode = "AUTO_PASSTHROUGH" } },
            },
        }));
        await bed.ApplyAsync(IstioResources.VirtualService("tcp-echo", new
        {
            hosts = new[] { "*" },
            gateways = new[] { "tcp-echo-gateway" },
            tcp = new[]
            {
                new
                {
                    match = new[] { new { port = tcpPort } },
                    route = new[]
                    {
                        new { destination = new { host = "tcp-echo", port = new { number = servicePort }, subset = "v1" }, weight = 80 },
                        new { destination = new { host = "tcp-echo", port = new { number = servicePort }, subset = "v2" }, weight = 20 },
                    },
                },
            },
        }));
        var echoV1 = await StartSecureAsync(bed, "tcp-echo-v1", "tcp-echo", v1.Port, "app=tcp-echo,version=v1");
        var echoV2 = await StartSecureAsync(bed, "tcp-echo-v2", "tcp-echo", v2.Port, "app=tcp-echo,version=v2");
        var gateway = await bed.StartSidecarAsync("edge", labels: "istio=ingressgateway,app=edge,version=v1",
            extraArgs: ["--mode", "gateway", "--join-token", await bed.Silo.JoinTokenAsync("edge")]);
        await gateway.WaitForEndpointAsync(echoV1);
        await gateway.WaitForEndpointAsync(echoV2);
        await bed.SyncAsync(gateway, echoV1, echoV2);
        await WaitForListenerAsync(gateway, tcpPort);
        await WaitForListenerAsync(gateway, eastWestPort);

        var versions = new List<string>();
        for (var i = 0; i < 100; i++)
        {
            var answer = await LineServer.AskAsync(tcpPort, "ping");
            Assert.NotNull(answer);
            versions.Add(answer[..answer.IndexOf(' ', StringComparison.Ordinal)]);
        }

        // 80/20 of 100: mean 80, sd 4; ±4.5 sd.
        Assert.InRange(versions.Count(v => v == "v1"), 62, 98);
        Assert.Equal(100, versions.Count(v => v is "v1" or "v2"));
        await echoV1.WaitForMetricAsync("source_workload=\"edge-v1\"");
        Assert.Matches("istio_tcp_connections_opened_total\\{reporter=\"destination\",source_workload=\"edge-v1\"[^}]*connection_security_policy=\"mutual_tls\"\\}", await echoV1.MetricsAsync());

        // AUTO_PASSTHROUGH: the SNI names the cluster; the gateway passes the TLS through unopened, so the certificate
        // this client sees is the destination sidecar's own SVID, and the bytes reach v2's app.
        string? presentedId = null;
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(System.Net.IPAddress.Loopback, eastWestPort);
        await using var tls = new System.Net.Security.SslStream(client.GetStream());
        await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions
        {
            TargetHost = $"outbound_.{servicePort}_.v2_.tcp-echo.default.svc.cluster.local",
            ApplicationProtocols = [new System.Net.Security.SslApplicationProtocol("mesh-tcp")],
            // This client has no trust bundle; it only records which identity answered.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                (presentedId = certificate is null ? null : string.Join(",", new X509Certificate2(certificate).Extensions.Select(e => e.Format(false)))) is not null,
        });
        Assert.Contains("spiffe://cluster.local/ns/default/sa/tcp-echo", presentedId, StringComparison.Ordinal);
        await tls.WriteAsync(System.Text.Encoding.ASCII.GetBytes("ns=remote;workload=caller-v1\nping\n"));
        using var reader = new StreamReader(tls, leaveOpen: true);
        Assert.Equal("v2 ping", await reader.ReadLineAsync());
    }

    internal static MeshResource TcpService(string name, int port) => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Service,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
        Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "tcp", Port = port }], ServiceAccount = name }),
    };

    /// <summary>A Sidecar resource for the client workload: a listener of its own for <paramref name="hosts"/>, and every host visible.</summary>
    internal static MeshResource EgressListener(int port, string protocol, string hosts) => new()
    {
        ApiVersion = "networking.istio.io/v1",
        Kind = ResourceKinds.Sidecar,
        Metadata = new ResourceMetadata { Name = "client", Namespace = "default" },
        Spec = MeshJson.ToElement(new
        {
            workloadSelector = new { labels = new { app = "client" } },
            egress = new object[]
            {
                new { port = new { number = port, protocol, name = $"{protocol.ToLowerInvariant()}-egress" }, hosts = new[] { hosts } },
                new { hosts = new[] { "*/*" } },
            },
        }),
    };

    private static async Task<SidecarProcess> StartSecureAsync(MeshTestBed bed, string id, string? service, int? appPort, string labels) =>
        await bed.StartSidecarAsync(id, service, appPort, labels, extraArgs: ["--join-token", await bed.Silo.JoinTokenAsync(labels.Split(',')[0]["app=".Length..])]);

    internal static Task WaitForListenerAsync(SidecarProcess sidecar, int port) =>
        Poll.UntilTrueAsync(async () => (await sidecar.Admin.GetStringAsync("/listeners")).Contains($"\"port\":{port},\"state\":\"listening\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => $"the sidecar never listened on {port}");

    private static bool ClosedEqualsOpened(string metrics, string count) =>
        Lines(metrics).Any(l => l.StartsWith("istio_tcp_connections_closed_total{reporter=\"destination\"", StringComparison.Ordinal) && l.EndsWith($"}} {count}", StringComparison.Ordinal));

    private static IEnumerable<string> Lines(string metrics) => metrics.Split('\n');

    private static X509Certificate2 SelfSigned(string host)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}
