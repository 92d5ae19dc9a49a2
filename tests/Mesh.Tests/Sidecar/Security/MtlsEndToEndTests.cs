using System.Net;
using System.Net.Http.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.Security;

/// <summary>
/// Mutual TLS through real sidecar processes holding SVIDs from a real silo CA: PeerAuthentication modes on the
/// inbound port, refused certificates, outbound identity checks and DestinationRule tls.mode.
/// </summary>
public sealed class MtlsEndToEndTests(ITestOutputHelper output)
{
    private const string ReviewsPrincipal = "spiffe://cluster.local/ns/default/sa/reviews";

    [Fact]
    public async Task Inbound_StrictMode_RefusesPlaintextAndAcceptsMeshCertificate()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (server, _) = await StartReviewsAsync(mesh);
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await mesh.SyncAsync(server);

        using var plain = SecureMesh.PlainClient(server.InboundPort);
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("/"));
        using var noCertificate = SecureMesh.MtlsClient(server.InboundPort, null, await mesh.Silo.BundleAsync());
        await Assert.ThrowsAnyAsync<Exception>(() => noCertificate.GetAsync("/"));

        using var certificate = await mesh.Silo.IssueAsync("productpage");
        using var mtls = SecureMesh.MtlsClient(server.InboundPort, certificate, await mesh.Silo.BundleAsync());
        Assert.Equal("v1", await mtls.GetStringAsync("/"));
    }

    [Fact]
    public async Task Inbound_PermissiveMode_AcceptsPlaintextAndMtlsOnOnePort()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (server, _) = await StartReviewsAsync(mesh);
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("PERMISSIVE"));
        await mesh.SyncAsync(server);

        using var plain = SecureMesh.PlainClient(server.InboundPort);
        Assert.Equal("v1", await plain.GetStringAsync("/"));
        using var certificate = await mesh.Silo.IssueAsync("productpage");
        using var mtls = SecureMesh.MtlsClient(server.InboundPort, certificate, await mesh.Silo.BundleAsync());
        using var response = await mtls.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("v1", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Inbound_ForeignCaAndExpiredCertificates_AreRefused()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (server, _) = await StartReviewsAsync(mesh);
        // A second root the silo trusts but does not sign with: an expired SVID under it is refused for expiry alone.
        using var trusted = new TestCa("imported-root");
        using (var add = await mesh.Silo.Admin.PostAsJsonAsync("/api/v1/ca/roots", new { certificate = trusted.CertificatePem, privateKey = trusted.PrivateKeyPem, activate = false }))
        {
            Assert.Equal(HttpStatusCode.Created, add.StatusCode);
        }

        await Poll.UntilTrueAsync(async () => (await server.CertsAsync()).GetProperty("trustBundle").GetArrayLength() == 2, TimeSpan.FromSeconds(20),
            () => "the imported root never reached the sidecar's trust bundle");
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("PERMISSIVE"));
        await mesh.SyncAsync(server);

        using var valid = trusted.IssueValid("spiffe://cluster.local/ns/default/sa/productpage");
        using (var client = SecureMesh.MtlsClient(server.InboundPort, valid, await mesh.Silo.BundleAsync()))
        {
            Assert.Equal("v1", await client.GetStringAsync("/"));
        }

        using var expired = trusted.Issue("spiffe://cluster.local/ns/default/sa/productpage", DateTimeOffset.UtcNow.AddDays(-5), DateTimeOffset.UtcNow.AddDays(-1));
        using (var client = SecureMesh.MtlsClient(server.InboundPort, expired, await mesh.Silo.BundleAsync()))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/"));
        }

        using var foreign = new TestCa("foreign-root");
        using var foreignLeaf = foreign.IssueValid("spiffe://cluster.local/ns/default/sa/productpage");
        using (var client = SecureMesh.MtlsClient(server.InboundPort, foreignLeaf, await mesh.Silo.BundleAsync()))
        {
            await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("/"));
        }
    }

    [Fact]
    public async Task Outbound_SidecarToSidecarUnderStrict_UsesMtlsAndVerifiesServerIdentity()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (server, app) = await StartReviewsAsync(mesh);
        var client = await mesh.StartSecureSidecarAsync("productpage", "productpage");
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await client.WaitForEndpointAsync(server);
        await mesh.SyncAsync(server, client);

        for (var i = 0; i < 20; i++)
        {
            Assert.Equal("v1", await client.Proxy.GetStringAsync("http://reviews:9080/"));
        }

        Assert.True(app.Requests >= 20);
        Assert.Equal(ReviewsPrincipal, (await server.CertsAsync()).GetProperty("spiffeId").GetString());
    }

    /// <summary>
    /// gRPC between sidecars: HTTP/2 inside the mesh's mutual TLS carries the app's :scheme http, which the inbound
    /// sidecar must accept (it reset every such stream with PROTOCOL_ERROR before).
    /// </summary>
    [Fact]
    public async Task Outbound_GrpcSidecarToSidecarUnderStrict_IsHttp2OverMtlsEndToEnd()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var app = await mesh.StartUpstreamAsync("v1", Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        await mesh.Silo.AddServiceAsync("reviews", "reviews");
        var server = await mesh.StartSecureSidecarAsync("reviews-v1", "reviews", "reviews", app);
        var client = await mesh.StartSecureSidecarAsync("productpage", "productpage");
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await client.WaitForEndpointAsync(server);
        await mesh.SyncAsync(server, client);

        using var http = new HttpClient();
        for (var i = 0; i < 5; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{client.OutboundPort}/reviews.v1.Reviews/Get")
            {
                Version = HttpVersion.Version20,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
                Content = new ByteArrayContent([0, 0, 0, 0, 0]),
            };
            request.Headers.Host = "reviews:9080";
            request.Headers.TryAddWithoutValidation("te", "trailers");
            request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/grpc");
            using var response = await http.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("HTTP/2", RoutingEndToEndTests.Header(response, "x-seen-protocol"));
        }

        Assert.Equal(5, app.Requests);
        await Poll.UntilTrueAsync(
            async () => (await server.MetricsAsync()).Split('\n').Any(l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal)
                && l.Contains("reporter=\"destination\"", StringComparison.Ordinal)
                && l.Contains("request_protocol=\"grpc\"", StringComparison.Ordinal)
                && l.Contains("connection_security_policy=\"mutual_tls\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "no destination-reported gRPC request over mutual TLS in the server sidecar's metrics");
    }

    [Fact]
    public async Task Outbound_PeerPresentsWrongSpiffeId_Answers503WithUpstreamFailureFlag()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var app = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.AddServiceAsync("reviews", "reviews");
        // The workload behind the reviews endpoint holds a valid mesh certificate, but for another service account.
        var imposter = await mesh.StartSecureSidecarAsync("reviews-imposter", "ratings", "reviews", app);
        var client = await mesh.StartSecureSidecarAsync("productpage", "productpage");
        // Without Istio's default connect-failure retries the flag is UF alone (with them Envoy reports URX).
        await mesh.ApplyAsync(IstioResources.VirtualService("reviews", new
        {
            hosts = new[] { "reviews" },
            http = new[] { new { route = new[] { new { destination = new { host = "reviews" } } }, retries = new { attempts = 0 } } },
        }));
        await client.WaitForEndpointAsync(imposter);
        await mesh.SyncAsync(client);

        using var response = await client.Proxy.GetAsync("http://reviews:9080/");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(0, app.Requests);
        await Poll.UntilTrueAsync(async () => (await client.MetricsAsync()).Contains("response_flags=\"UF\"", StringComparison.Ordinal),
            TimeSpan.FromSeconds(10), () => "no request was recorded with response flag UF");
    }

    [Fact]
    public async Task Outbound_DestinationRuleTlsDisable_SendsPlaintextWhichStrictRefuses()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (server, _) = await StartReviewsAsync(mesh);
        var client = await mesh.StartSecureSidecarAsync("productpage", "productpage");
        await mesh.ApplyAsync(IstioResources.DestinationRule("reviews", new { host = "reviews", trafficPolicy = new { tls = new { mode = "DISABLE" } } }));
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("PERMISSIVE"));
        await client.WaitForEndpointAsync(server);
        await mesh.SyncAsync(server, client);
        Assert.Equal("v1", await client.Proxy.GetStringAsync("http://reviews:9080/"));

        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await mesh.SyncAsync(server, client);
        using (var refused = await client.Proxy.GetAsync("http://reviews:9080/"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        }

        await mesh.ApplyAsync(IstioResources.DestinationRule("reviews", new { host = "reviews", trafficPolicy = new { tls = new { mode = "ISTIO_MUTUAL" } } }));
        await mesh.SyncAsync(server, client);
        Assert.Equal("v1", await client.Proxy.GetStringAsync("http://reviews:9080/"));
    }

    [Fact]
    public async Task Start_UnknownJoinToken_ExitsWithClearErrorAndCode3()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        await using var process = ManagedProcess.StartSidecar("bad-token",
        [
            "--silo", mesh.Silo.BaseAddress.ToString(), "--join-token", "not-a-real-token", "--state-file", Path.Combine(mesh.Directory, "bad.json"),
            "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0",
        ], null, output);
        // Waiting for the exit (not polling HasExited) also waits until the process's output has been read to its end,
        // so the error line is in Output when the assertions read it.
        var exitCode = await process.WaitForExitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(3, exitCode);
        Assert.Contains("could not obtain a workload certificate", process.Output, StringComparison.Ordinal);
        Assert.Contains("401", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-real-token", process.Output, StringComparison.Ordinal);
    }

    private static async Task<(SidecarProcess Server, UpstreamServer App)> StartReviewsAsync(MeshTestBed mesh)
    {
        var app = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.AddServiceAsync("reviews", "reviews");
        var server = await mesh.StartSecureSidecarAsync("reviews-v1", "reviews", "reviews", app);
        return (server, app);
    }
}
