using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// An ingress gateway terminating TLS with the certificate a Gateway resource names (tls mode SIMPLE), and
/// redirecting plain HTTP with <c>httpsRedirect</c>, through a real gateway-mode sidecar process.
/// </summary>
public sealed class GatewayTlsEndToEndTests(ITestOutputHelper log)
{
    private const string Host = "shop.example.com";

    [Fact]
    public async Task HttpsGateway_SimpleTls_PresentsGivenCertificate_RoutesAndRedirectsPlainHttp()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        var app = await bed.StartUpstreamAsync("v1");
        await bed.AddServiceAsync("web", 9080, app);
        using var certificate = WriteCertificate(bed.Directory, out var certPath, out var keyPath);
        var httpsPort = TestPorts.Next();
        var gateway = await bed.StartSidecarAsync("shop-gateway", labels: "istio=ingressgateway",
            extraArgs: ["--mode", "gateway", "--gateway-https-port", httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        await bed.ApplyAsync(IstioResources.Gateway("shop-gateway", new
        {
            selector = new { istio = "ingressgateway" },
            servers = new object[]
            {
                new { port = new { number = 443, name = "https", protocol = "HTTPS" }, hosts = new[] { Host }, tls = new { mode = "SIMPLE", serverCertificate = certPath, privateKey = keyPath } },
                new { port = new { number = 80, name = "http", protocol = "HTTP" }, hosts = new[] { Host }, tls = new { httpsRedirect = true } },
            },
        }));
        await bed.ApplyAsync(IstioResources.VirtualService("shop", new
        {
            hosts = new[] { Host },
            gateways = new[] { "shop-gateway" },
            http = new[] { new { route = new[] { new { destination = new { host = "web", port = new { number = 9080 } } } } } },
        }));
        await bed.SyncAsync(gateway);

        string? presented = null;
        using var https = new HttpClient(new SocketsHttpHandler
        {
            SslOptions =
            {
                TargetHost = Host,
                RemoteCertificateValidationCallback = (_, cert, _, _) => (presented = cert?.GetCertHashString()) == certificate.GetCertHashString(),
            },
        });
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{httpsPort}/cart") { Headers = { Host = Host } };
        using var response = await https.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(certificate.GetCertHashString(), presented);
        Assert.Equal(1, app.Requests);

        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false });
        using var redirectRequest = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{gateway.OutboundPort}/cart?item=7") { Headers = { Host = Host } };
        using var redirect = await plain.SendAsync(redirectRequest);

        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal($"https://{Host}:{httpsPort}/cart?item=7", redirect.Headers.Location?.ToString());
        Assert.Equal(1, app.Requests);
    }

    [Fact]
    public async Task HttpsGateway_CredentialName_PresentsTheStoredCredential()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        var app = await bed.StartUpstreamAsync("v1");
        await bed.AddServiceAsync("web", 9080, app);
        using var authority = new Security.TestCa("shop-ca");
        using var certificate = authority.IssueForHost(Host);
        await Security.SecureMesh.PutCredentialAsync(bed.Silo, "shop-credential", certificate, null);
        var httpsPort = TestPorts.Next();
        var gateway = await bed.StartSidecarAsync("shop-gateway", labels: "istio=ingressgateway",
            extraArgs: ["--mode", "gateway", "--gateway-https-port", httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--join-token", await Security.SecureMesh.JoinTokenAsync(bed.Silo, "shop-gateway")]);
        await bed.ApplyAsync(IstioResources.Gateway("shop-gateway", new
        {
            selector = new { istio = "ingressgateway" },
            servers = new[] { new { port = new { number = 443, name = "https", protocol = "HTTPS" }, hosts = new[] { Host }, tls = new { mode = "SIMPLE", credentialName = "shop-credential" } } },
        }));
        await bed.ApplyAsync(IstioResources.VirtualService("shop", new
        {
            hosts = new[] { Host },
            gateways = new[] { "shop-gateway" },
            http = new[] { new { route = new[] { new { destination = new { host = "web", port = new { number = 9080 } } } } } },
        }));
        await bed.SyncAsync(gateway);

        // The credential is fetched once the configuration naming it arrives: handshakes fail until then.
        using var https = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions =
            {
                TargetHost = Host,
                RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetCertHashString() == certificate.GetCertHashString(),
            },
        });
        await Poll.UntilTrueAsync(async () =>
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{httpsPort}/cart") { Headers = { Host = Host } };
                using var response = await https.SendAsync(request);
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(15), () => $"the gateway never presented the stored credential:\n{gateway.Process.Output}");
        Assert.Equal(1, app.Requests);
        Assert.DoesNotContain("PRIVATE KEY", gateway.Process.Output, StringComparison.Ordinal);
    }

    private static X509Certificate2 WriteCertificate(string directory, out string certPath, out string keyPath)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(Host);
        request.CertificateExtensions.Add(names.Build());
        var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        certPath = Path.Combine(directory, "shop.crt");
        keyPath = Path.Combine(directory, "shop.key");
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return certificate;
    }
}
