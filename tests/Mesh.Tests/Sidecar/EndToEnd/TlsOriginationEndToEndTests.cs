using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Istio's "Egress TLS Origination" through a real sidecar: the app calls <c>http://api.example.test</c>, and a
/// DestinationRule (SIMPLE or MUTUAL, with caCertificates and client certificate files) makes the sidecar open TLS
/// to an HTTPS server that has its own CA, verifying it. The "external" server is a local Kestrel on loopback.
/// </summary>
public sealed class TlsOriginationEndToEndTests(ITestOutputHelper log)
{
    private const string Host = "api.example.test";

    [Fact]
    public async Task DestinationRuleTls_OriginatesVerifiedTlsAndMutualTls_RefusesAnUnknownCaOrWrongName()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        using var serverCa = new TestCa("server-ca");
        using var otherCa = new TestCa("other-ca");
        using var clientCa = new TestCa("client-ca");
        using var serverCertificate = serverCa.IssueForHost(Host);
        using var clientCertificate = clientCa.IssueForHost("client.example.test");
        var serverCaFile = WritePem(bed.Directory, "server-ca.pem", serverCa.Root);
        var otherCaFile = WritePem(bed.Directory, "other-ca.pem", otherCa.Root);
        var (clientCertFile, clientKeyFile) = WriteWithKey(bed.Directory, "client", clientCertificate);

        await using var server = await ExternalHttpsServer.StartAsync(serverCertificate, clientCa.Root);
        await bed.ApplyAsync(ExternalApi(server.Port));
        var client = await bed.StartSidecarAsync("client", labels: "app=client,version=v1");

        // SIMPLE with the server's CA: verified TLS, no client certificate.
        await ApplyTlsAsync(bed, client, new { mode = "SIMPLE", caCertificates = serverCaFile });
        Assert.Equal("tls client=none", await client.GetThroughAsync($"http://{Host}/", HttpStatusCode.OK));

        // MUTUAL: the client certificate from files reaches the server.
        await ApplyTlsAsync(bed, client, new { mode = "MUTUAL", caCertificates = serverCaFile, clientCertificate = clientCertFile, privateKey = clientKeyFile });
        Assert.Equal("tls client=CN=client.example.test", await client.GetThroughAsync($"http://{Host}/", HttpStatusCode.OK));

        // A CA that did not issue the server's certificate, and a name the certificate does not carry: refused, 503 UF.
        await ApplyTlsAsync(bed, client, new { mode = "SIMPLE", caCertificates = otherCaFile });
        await client.GetThroughAsync($"http://{Host}/", HttpStatusCode.ServiceUnavailable);
        await client.Process.WaitForOutputAsync("does not chain to", TimeSpan.FromSeconds(10));
        await ApplyTlsAsync(bed, client, new { mode = "SIMPLE", caCertificates = serverCaFile, sni = "other.example.test" });
        await client.GetThroughAsync($"http://{Host}/", HttpStatusCode.ServiceUnavailable);
        await client.Process.WaitForOutputAsync("does not name other.example.test", TimeSpan.FromSeconds(10));

        // Istio's default retry policy retries connect failures, so the refusals are counted as URX.
        await client.WaitForMetricAsync("response_flags=\"URX\"");
        Assert.DoesNotContain("BEGIN PRIVATE KEY", client.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DestinationRuleCredentialName_MutualTlsWithAStoredCredential_FetchedByTheSidecar()
    {
        await using var bed = await MeshTestBed.StartAsync(log);
        using var serverCa = new TestCa("server-ca");
        using var clientCa = new TestCa("client-ca");
        using var serverCertificate = serverCa.IssueForHost(Host);
        using var clientCertificate = clientCa.IssueForHost("stored-client.example.test");
        await bed.Silo.PutCredentialAsync("api-client", clientCertificate, serverCa.CertificatePem);
        await using var server = await ExternalHttpsServer.StartAsync(serverCertificate, clientCa.Root);
        await bed.ApplyAsync(ExternalApi(server.Port));
        var client = await bed.StartSidecarAsync("client", labels: "app=client,version=v1",
            extraArgs: ["--join-token", await bed.Silo.JoinTokenAsync("client")]);

        await ApplyTlsAsync(bed, client, new { mode = "MUTUAL", credentialName = "api-client" });

        Assert.Equal("tls client=CN=stored-client.example.test", await client.GetThroughAsync($"http://{Host}/", HttpStatusCode.OK));
        await client.Process.WaitForOutputAsync("Credential default/api-client loaded: CN=stored-client.example.test, 1 CA certificate(s)", TimeSpan.FromSeconds(10));
        Assert.DoesNotContain("PRIVATE KEY", client.Process.Output, StringComparison.Ordinal);
    }

    /// <summary>The "external" HTTPS server as a ServiceEntry the app calls over plain HTTP on port 80.</summary>
    private static Mesh.Contracts.Resources.MeshResource ExternalApi(int port) => IstioResources.ServiceEntry("api", new
    {
        hosts = new[] { Host },
        location = "MESH_EXTERNAL",
        resolution = "STATIC",
        ports = new[] { new { number = 80, name = "http", protocol = "HTTP", targetPort = port } },
        endpoints = new[] { new { address = "127.0.0.1" } },
    });

    private static async Task ApplyTlsAsync(MeshTestBed bed, SidecarProcess client, object tls)
    {
        await bed.ApplyAsync(IstioResources.DestinationRule("api", new { host = Host, trafficPolicy = new { tls } }));
        await bed.SyncAsync(client);
    }

    private static string WritePem(string directory, string file, X509Certificate2 certificate)
    {
        var path = Path.Combine(directory, file);
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return path;
    }

    private static (string Certificate, string Key) WriteWithKey(string directory, string name, X509Certificate2 certificate)
    {
        var key = Path.Combine(directory, $"{name}.key");
        File.WriteAllText(key, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (WritePem(directory, $"{name}.pem", certificate), key);
    }
}
