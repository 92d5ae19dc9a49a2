using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Contracts.Certificates;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Certificates;

/// <summary>Bootstrap and renewal of workload certificates against one real silo process (in-memory store).</summary>
public sealed class CertificatesApiTests(InMemorySiloFixture fixture) : IClassFixture<InMemorySiloFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private readonly CaClient _ca = new(fixture.Silo);

    [Fact]
    public async Task Sign_WithJoinToken_IssuesSvidThatChainsToBundle()
    {
        var token = await _ca.CreateTokenAsync("shop", "reviews");
        var bundle = await _ca.BundleAsync();

        var issued = await _ca.IssueAsync(CaClient.NewCsr(out var key), token.Token);

        using var leaf = CaClient.Leaf(issued.CertificateChain);
        Assert.Equal("spiffe://mesh.test/ns/shop/sa/reviews", issued.SpiffeId);
        Assert.Equal(issued.SpiffeId, CaClient.UriSan(leaf));
        Assert.True(CaClient.ChainsTo(issued.CertificateChain, bundle), "the SVID does not chain to /api/v1/ca/bundle");
        Assert.Equal(bundle, issued.TrustBundle);
        Assert.Equal(issued.SerialNumber, leaf.SerialNumber);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), leaf.PublicKey.ExportSubjectPublicKeyInfo());
        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        var eku = leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value);
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku.Order());
        Assert.InRange(leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(24.1));

        var (status, body) = await _ca.SendAsync(HttpMethod.Get, $"/api/v1/ca/certificates?spiffeId={Uri.EscapeDataString(issued.SpiffeId)}", null, SiloProcess.ReadOnlyToken);
        Assert.Equal(HttpStatusCode.OK, status);
        var record = Assert.Single(JsonSerializer.Deserialize<List<IssuedCertificateRow>>(body, MeshJson.Options)!);
        Assert.Equal(issued.SerialNumber, record.SerialNumber);
        Assert.Equal(issued.NotAfter, record.NotAfter);
        var metrics = await _ca.SendAsync(HttpMethod.Get, "/metrics", null, null);
        Assert.Contains("mesh_silo_certificates_issued", metrics.Body);
    }

    [Fact]
    public async Task Subscribe_ScopedSubscriber_ReceivesTrustBundleResource()
    {
        var bundle = await _ca.BundleAsync();
        var node = new NodeInfo { Id = "bundle-watcher", Namespace = "shop", Service = "reviews", Dependencies = ["shop/ratings"] };

        await using var subscriber = await TestSubscriber.ConnectAsync(fixture.Silo.BaseAddress, node);
        var key = new ResourceKey(ResourceKinds.TrustBundle, TrustBundleSpec.Namespace, TrustBundleSpec.Name);
        await subscriber.WaitForAsync(s => s.Has(key), Deadline, "the TrustBundle resource");

        var resource = subscriber.Get(key)!;
        Assert.Equal(ResourceKinds.MeshApiVersion, resource.ApiVersion);
        var spec = MeshJson.FromElement<TrustBundleSpec>(resource.Spec)!;
        Assert.Equal("mesh.test", spec.TrustDomain);
        Assert.Equal(bundle, string.Concat(spec.Roots));
    }

    [Fact]
    public async Task Sign_SingleUseTokenReused_Returns401()
    {
        var token = await _ca.CreateTokenAsync(singleUse: true);
        await _ca.IssueAsync(CaClient.NewCsr(), token.Token);

        var (status, body) = await _ca.RequestCertificateAsync(CaClient.NewCsr(), token.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Contains("already used", body);
    }

    [Fact]
    public async Task Sign_ConcurrentRedemptionsOfSingleUseToken_ExactlyOneSucceeds()
    {
        var token = await _ca.CreateTokenAsync(singleUse: true);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _ca.RequestCertificateAsync(CaClient.NewCsr(), token.Token)));

        Assert.Equal(1, results.Count(r => r.Status == HttpStatusCode.OK));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.Status));
    }

    [Fact]
    public async Task Sign_ExpiredToken_Returns401()
    {
        var token = await _ca.CreateTokenAsync(ttlSeconds: 1);

        // The token works until it expires; poll until the silo's clock passes its expiry.
        var refused = await Poll.UntilAsync(async () =>
        {
            var result = await _ca.RequestCertificateAsync(CaClient.NewCsr(), token.Token);
            return result.Status == HttpStatusCode.OK ? null : result.Body + "|" + (int)result.Status;
        }, Deadline, () => "the token never expired");

        Assert.EndsWith("|401", refused);
        Assert.Contains("expired", refused);
    }

    [Theory]
    [InlineData("not a csr")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nAAAA!!!!\n-----END CERTIFICATE REQUEST-----")]
    [InlineData("-----BEGIN CERTIFICATE REQUEST-----\nMIIBAA==\n-----END CERTIFICATE REQUEST-----")]
    [InlineData("rsa1024")]
    [InlineData("tampered")]
    public async Task Sign_MalformedCsr_Returns400AndKeepsSingleUseToken(string csr)
    {
        var token = await _ca.CreateTokenAsync(singleUse: true);
        csr = csr switch
        {
            "rsa1024" => RsaCsr(1024),
            "tampered" => Tamper(CaClient.NewCsr()),
            _ => csr,
        };

        var (status, body) = await _ca.RequestCertificateAsync(csr, token.Token);

        Assert.True(status == HttpStatusCode.BadRequest, $"{(int)status} {body}");
        Assert.Equal("csr", JsonDocument.Parse(body).RootElement.GetProperty("field").GetString());
        await _ca.IssueAsync(CaClient.NewCsr(), token.Token);
    }

    [Theory]
    [InlineData("{}", "csr")]
    [InlineData("{\"csr\": 42}", "$.csr")]
    [InlineData("{\"csr\": \"x\", \"ttlSeconds\": -5}", "ttlSeconds")]
    [InlineData("[1,2", null)]
    public async Task Sign_BadBody_Returns400NamingField(string json, string? field)
    {
        var token = await _ca.CreateTokenAsync();
        using var client = fixture.Silo.CreateClient(token.Token);

        using var response = await client.PostAsync("/api/v1/certificates", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        if (field is not null)
        {
            Assert.Equal(field, JsonDocument.Parse(body).RootElement.GetProperty("field").GetString());
        }
    }

    [Theory]
    [InlineData("Bearer not-a-real-token", "unknown")]
    [InlineData("Basic dXNlcjpwYXNz", "Bearer")]
    [InlineData(null, "join token")]
    public async Task Sign_WithoutValidCredential_Returns401(string? authorization, string expected)
    {
        using var client = fixture.Silo.CreateClient(null);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/certificates")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { csr = CaClient.NewCsr() }), System.Text.Encoding.UTF8, "application/json"),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(expected, body);
    }

    [Fact]
    public async Task Sign_RenewalWithCurrentCertificate_KeepsIdentity()
    {
        var token = await _ca.CreateTokenAsync("shop", "ratings", singleUse: true);
        var csr = CaClient.NewCsr(out var key);
        var first = await _ca.IssueAsync(csr, token.Token);

        var renewed = await _ca.IssueAsync(new CertificateRequest("CN=renewal", key, HashAlgorithmName.SHA256).CreateSigningRequestPem(), null, first.CertificateChain);

        Assert.Equal("spiffe://mesh.test/ns/shop/sa/ratings", renewed.SpiffeId);
        Assert.NotEqual(first.SerialNumber, renewed.SerialNumber);
        Assert.True(CaClient.ChainsTo(renewed.CertificateChain, await _ca.BundleAsync()));
    }

    [Fact]
    public async Task Sign_RenewalWithNewKeyOrForeignCertificate_Returns401()
    {
        var token = await _ca.CreateTokenAsync();
        var current = await _ca.IssueAsync(CaClient.NewCsr(), token.Token);

        var newKey = await _ca.RequestCertificateAsync(CaClient.NewCsr(), null, current.CertificateChain);
        var foreign = await _ca.RequestCertificateAsync(CaClient.NewCsr(out var foreignKey), null, SelfSigned(foreignKey, "spiffe://mesh.test/ns/default/sa/reviews"));
        var garbage = await _ca.RequestCertificateAsync(CaClient.NewCsr(), null, "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----");

        Assert.Equal(HttpStatusCode.Unauthorized, newKey.Status);
        Assert.Contains("key", newKey.Body);
        Assert.Equal(HttpStatusCode.Unauthorized, foreign.Status);
        Assert.Contains("not issued by a CA in the trust bundle", foreign.Body);
        Assert.Equal(HttpStatusCode.BadRequest, garbage.Status);
        Assert.Contains("currentCertificate", garbage.Body);
    }

    [Theory]
    [InlineData("{\"namespace\": \"Bad_NS\", \"serviceAccount\": \"reviews\"}", "namespace")]
    [InlineData("{\"namespace\": \"shop\", \"serviceAccount\": \"a/b\"}", "serviceAccount")]
    [InlineData("{\"namespace\": \"shop\", \"serviceAccount\": \"reviews\", \"ttlSeconds\": 0}", "ttlSeconds")]
    [InlineData("{\"namespace\": \"shop\", \"serviceAccount\": \"reviews\", \"ttlSeconds\": 999999999}", "ttlSeconds")]
    public async Task CreateJoinToken_BadInput_Returns400NamingField(string json, string field)
    {
        using var response = await fixture.Silo.Admin.PostAsync("/api/v1/join-tokens", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} {body}");
        Assert.Equal(field, JsonDocument.Parse(body).RootElement.GetProperty("field").GetString());
    }

    [Fact]
    public async Task CreateJoinToken_ReadOnlyOrNoToken_Returns403Or401()
    {
        var body = new { @namespace = "shop", serviceAccount = "reviews" };

        var reader = await _ca.SendAsync(HttpMethod.Post, "/api/v1/join-tokens", body, SiloProcess.ReadOnlyToken);
        var anonymous = await _ca.SendAsync(HttpMethod.Post, "/api/v1/join-tokens", body, null);

        Assert.Equal(HttpStatusCode.Forbidden, reader.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.Status);
    }

    [Fact]
    public async Task Responses_NeverCarryPrivateKeys()
    {
        var token = await _ca.CreateTokenAsync();
        var issued = await _ca.IssueAsync(CaClient.NewCsr(out var key), token.Token);
        await _ca.IssueAsync(new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).CreateSigningRequestPem(), null, issued.CertificateChain);
        await _ca.RootsAsync();
        await _ca.BundleAsync();
        await _ca.SendAsync(HttpMethod.Get, "/api/v1/ca/certificates", null, SiloProcess.ReadOnlyToken);
        await _ca.SendAsync(HttpMethod.Get, "/api/v1/resources/TrustBundle", null, SiloProcess.ReadOnlyToken);
        await _ca.SendAsync(HttpMethod.Post, "/api/v1/certificates", new { csr = "garbage" }, token.Token);

        Assert.True(_ca.Bodies.Count >= 8);
        Assert.All(_ca.Bodies, body => Assert.DoesNotContain("PRIVATE KEY", body));
        Assert.DoesNotContain("protectedKey", string.Concat(_ca.Bodies), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(token.Token, string.Concat(_ca.Bodies.Skip(1)));
        Assert.DoesNotContain(token.Token, fixture.Silo.Process.Output);
    }

    private static string RsaCsr(int bits)
    {
        using var key = RSA.Create(bits);
        return new CertificateRequest("CN=weak", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem();
    }

    /// <summary>Flips a byte of the subject inside the signed part, so the CSR's self-signature no longer verifies.</summary>
    private static string Tamper(string csrPem)
    {
        var der = PemEncoding.Find(csrPem) is var fields ? Convert.FromBase64String(csrPem[fields.Base64Data]) : [];
        var index = der.AsSpan().IndexOf("workload"u8);
        der[index] ^= 0x01;
        return PemEncoding.WriteString("CERTIFICATE REQUEST", der);
    }

    private static string SelfSigned(ECDsa key, string spiffeId)
    {
        var request = new CertificateRequest("CN=impostor", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(spiffeId));
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        return certificate.ExportCertificatePem();
    }
}
