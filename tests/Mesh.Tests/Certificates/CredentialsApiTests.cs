using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Security.Identity;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.Security;

namespace Mesh.Tests.Certificates;

/// <summary>
/// Namespace credentials (what Istio's credentialName names) through a real silo: stored with the admin role, shown
/// without their key, and handed whole only to a workload of the same namespace that proves its SVID.
/// </summary>
public sealed class CredentialsApiTests(InMemorySiloFixture fixture) : IClassFixture<InMemorySiloFixture>
{
    private readonly CaClient _ca = new(fixture.Silo);

    [Fact]
    public async Task Credentials_StoredListedFetchedByOwnNamespaceOnly_Deleted()
    {
        using var authority = new TestCa("egress-client-ca");
        using var certificate = authority.IssueForHost("client.example.test");
        var input = new
        {
            certificate = certificate.ExportCertificatePem(),
            privateKey = certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
            caCertificates = authority.CertificatePem,
        };
        const string Path = "/api/v1/namespaces/istio-system/credentials/client-credential";

        Assert.Equal(HttpStatusCode.Created, (await _ca.SendAsync(HttpMethod.Put, Path, input, SiloProcess.AdminToken)).Status);
        var (replaced, view) = await _ca.SendAsync(HttpMethod.Put, Path, input, SiloProcess.AdminToken);
        Assert.Equal(HttpStatusCode.OK, replaced);
        Assert.DoesNotContain("PRIVATE KEY", view, StringComparison.Ordinal);
        var described = JsonDocument.Parse(view).RootElement;
        Assert.Equal("CN=client.example.test", described.GetProperty("subject").GetString());
        Assert.True(described.GetProperty("hasPrivateKey").GetBoolean());
        Assert.Equal(1, described.GetProperty("caCertificates").GetInt32());
        var (_, list) = await _ca.SendAsync(HttpMethod.Get, "/api/v1/namespaces/istio-system/credentials", null, SiloProcess.ReadOnlyToken);
        Assert.Contains("\"client-credential\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", list, StringComparison.Ordinal);

        // A read-only token cannot store one.
        Assert.Equal(HttpStatusCode.Forbidden, (await _ca.SendAsync(HttpMethod.Put, Path, input, SiloProcess.ReadOnlyToken)).Status);

        // Only a workload of istio-system, proving its SVID's key, gets the key.
        var (gatewayChain, gatewayKey) = await SvidAsync("istio-system", "egressgateway");
        var (status, body) = await FetchAsync(Path, gatewayChain, gatewayKey, DateTimeOffset.UtcNow);
        Assert.Equal(HttpStatusCode.OK, status);
        var material = JsonSerializer.Deserialize<Material>(body, MeshJson.Options)!;
        Assert.Equal(input.privateKey, material.PrivateKey);
        Assert.Equal(input.certificate, material.Certificate);

        var (otherChain, otherKey) = await SvidAsync("shop", "reviews");
        Assert.Equal(HttpStatusCode.Forbidden, (await FetchAsync(Path, otherChain, otherKey, DateTimeOffset.UtcNow)).Status);
        // Someone holding the public SVID but not its key, or replaying an old proof, is refused.
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.Equal(HttpStatusCode.Unauthorized, (await FetchAsync(Path, gatewayChain, stranger, DateTimeOffset.UtcNow)).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await FetchAsync(Path, gatewayChain, gatewayKey, DateTimeOffset.UtcNow.AddHours(-1))).Status);
        var (anonymous, why) = await _ca.SendAsync(HttpMethod.Post, Path + "/fetch", new { }, null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous);
        Assert.DoesNotContain("PRIVATE KEY", why, StringComparison.Ordinal);

        Assert.Equal(HttpStatusCode.NoContent, (await _ca.SendAsync(HttpMethod.Delete, Path, null, SiloProcess.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _ca.SendAsync(HttpMethod.Get, Path, null, SiloProcess.ReadOnlyToken)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await FetchAsync(Path, gatewayChain, gatewayKey, DateTimeOffset.UtcNow)).Status);
    }

    public static TheoryData<string, string, string> BadInput => new()
    {
        { "bad_name", """{"caCertificates":"x"}""", "name" },
        { "ok", """{"certificate":"not pem","privateKey":"not pem"}""", "certificate" },
        { "ok", """{"privateKey":"-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----"}""", "certificate" },
        { "ok", "{}", "certificate" },
        { "ok", """{"caCertificates":"-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----"}""", "caCertificates" },
    };

    [Theory]
    [MemberData(nameof(BadInput))]
    public async Task Put_BadInput_400NamingTheField(string name, string json, string field)
    {
        var (status, body) = await _ca.SendAsync(HttpMethod.Put, $"/api/v1/namespaces/default/credentials/{name}", JsonDocument.Parse(json).RootElement, SiloProcess.AdminToken);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"\"{field}\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_KeyOfAnotherCertificate_400NamingPrivateKey()
    {
        using var authority = new TestCa("mismatch-ca");
        using var certificate = authority.IssueForHost("a.example.test");
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        var (status, body) = await _ca.SendAsync(HttpMethod.Put, "/api/v1/namespaces/default/credentials/mismatch",
            new { certificate = certificate.ExportCertificatePem(), privateKey = other.ExportPkcs8PrivateKeyPem() }, SiloProcess.AdminToken);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("\"privateKey\"", body, StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", body, StringComparison.Ordinal);
    }

    private async Task<(string Chain, ECDsa Key)> SvidAsync(string ns, string serviceAccount)
    {
        var token = await _ca.CreateTokenAsync(ns, serviceAccount);
        var issued = await _ca.IssueAsync(CaClient.NewCsr(out var key), token.Token);
        return (issued.CertificateChain, key);
    }

    private Task<(HttpStatusCode Status, string Body)> FetchAsync(string path, string chain, ECDsa key, DateTimeOffset at) =>
        _ca.SendAsync(HttpMethod.Post, path + "/fetch", new
        {
            certificate = chain,
            timestamp = at.ToUnixTimeSeconds(),
            signature = PossessionProof.Sign(key, PossessionProof.CredentialFetch, path.Split('/')[4] + "/" + path.Split('/')[6], at),
        }, null);

    private sealed record Material(string? Certificate, string? PrivateKey, string? CaCertificates);
}
