using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Contracts.Certificates;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Silo.Certificates;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Certificates;

/// <summary>Root rotation through the admin API of one real silo, watched by a subscriber as a sidecar would.</summary>
public sealed class RootRotationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private static readonly ResourceKey BundleKey = new(ResourceKinds.TrustBundle, TrustBundleSpec.Namespace, TrustBundleSpec.Name);
    private SiloProcess _silo = null!;
    private CaClient _ca = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(log: output);
        _ca = new CaClient(_silo);
        await _ca.WaitForBundleAsync();
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Rotate_AddActivateRetire_BundleAndIssuerFollow()
    {
        var token = (await _ca.CreateTokenAsync()).Token;
        await using var sidecar = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "rotation-watcher", Namespace = "default" });
        var old = Assert.Single(await _ca.RootsAsync());
        Assert.Equal("active", old.State);
        var oldCertificate = await _ca.IssueAsync(CaClient.NewCsr(), token);

        var added = await AddRootAsync(new { activate = false });
        Assert.Equal("pending", added.State);
        Assert.Equal(2, CaClient.Certificates(await _ca.BundleAsync()).Count);
        await sidecar.WaitForAsync(s => RootsIn(s) == 2, Deadline, "a bundle with both roots");
        var beforeActivation = await _ca.IssueAsync(CaClient.NewCsr(), token);
        Assert.True(CaClient.ChainsTo(beforeActivation.CertificateChain, RootPem(old.Thumbprint, await _ca.BundleAsync())), "pending root must not sign yet");

        var (status, body) = await _ca.SendAsync(HttpMethod.Post, $"/api/v1/ca/roots/{added.Thumbprint}/activate", null, SiloProcess.AdminToken);
        Assert.True(status == HttpStatusCode.OK, $"{(int)status} {body}");
        var states = (await _ca.RootsAsync()).ToDictionary(r => r.Thumbprint, r => r.State);
        Assert.Equal("active", states[added.Thumbprint]);
        Assert.Equal("retiring", states[old.Thumbprint]);
        var newCertificate = await _ca.IssueAsync(CaClient.NewCsr(), token);
        Assert.True(CaClient.ChainsTo(newCertificate.CertificateChain, RootPem(added.Thumbprint, await _ca.BundleAsync())));
        Assert.False(CaClient.ChainsTo(newCertificate.CertificateChain, RootPem(old.Thumbprint, await _ca.BundleAsync())));

        var retireActive = await _ca.SendAsync(HttpMethod.Delete, $"/api/v1/ca/roots/{added.Thumbprint}", null, SiloProcess.AdminToken);
        Assert.Equal(HttpStatusCode.Conflict, retireActive.Status);
        var retireOld = await _ca.SendAsync(HttpMethod.Delete, $"/api/v1/ca/roots/{old.Thumbprint}", null, SiloProcess.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, retireOld.Status);

        var bundle = await _ca.BundleAsync();
        Assert.Equal(added.Thumbprint, Assert.Single(CaClient.Certificates(bundle)).Thumbprint);
        Assert.False(CaClient.ChainsTo(oldCertificate.CertificateChain, bundle));
        Assert.True(CaClient.ChainsTo(newCertificate.CertificateChain, bundle));
        await sidecar.WaitForAsync(s => RootsIn(s) == 1, Deadline, "a bundle with only the new root");
        Assert.Equal(bundle, string.Concat(MeshJson.FromElement<TrustBundleSpec>(sidecar.Get(BundleKey)!.Spec)!.Roots));

        var renewalFromRetired = await _ca.RequestCertificateAsync(CaClient.NewCsr(), null, oldCertificate.CertificateChain);
        Assert.Equal(HttpStatusCode.Unauthorized, renewalFromRetired.Status);
    }

    [Fact]
    public async Task Rotate_BadRequests_Get4xx()
    {
        var onlyRoot = Assert.Single(await _ca.RootsAsync());

        Assert.Equal(HttpStatusCode.Conflict, (await _ca.SendAsync(HttpMethod.Delete, $"/api/v1/ca/roots/{onlyRoot.Thumbprint}", null, SiloProcess.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _ca.SendAsync(HttpMethod.Delete, $"/api/v1/ca/roots/{new string('A', 40)}", null, SiloProcess.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await _ca.SendAsync(HttpMethod.Post, "/api/v1/ca/roots/xyz/activate", null, SiloProcess.AdminToken)).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await _ca.SendAsync(HttpMethod.Post, "/api/v1/ca/roots", new { }, SiloProcess.ReadOnlyToken)).Status);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var notCa = new CertificateRequest("CN=not-a-ca", leafKey, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        var import = await _ca.SendAsync(HttpMethod.Post, "/api/v1/ca/roots", new { certificate = notCa.ExportCertificatePem(), privateKey = leafKey.ExportPkcs8PrivateKeyPem() }, SiloProcess.AdminToken);
        Assert.True(import.Status == HttpStatusCode.BadRequest, $"{(int)import.Status} {import.Body}");
        Assert.Contains("not a CA", import.Body);
        Assert.DoesNotContain("PRIVATE KEY", import.Body);
        var halfImport = await _ca.SendAsync(HttpMethod.Post, "/api/v1/ca/roots", new { certificate = notCa.ExportCertificatePem() }, SiloProcess.AdminToken);
        Assert.Equal(HttpStatusCode.BadRequest, halfImport.Status);

        var noSki = new CertificateRequest("CN=No SKI Root", leafKey, HashAlgorithmName.SHA256);
        noSki.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var noSkiRoot = noSki.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        var withoutSki = await _ca.SendAsync(HttpMethod.Post, "/api/v1/ca/roots", new { certificate = noSkiRoot.ExportCertificatePem(), privateKey = leafKey.ExportPkcs8PrivateKeyPem(), activate = true }, SiloProcess.AdminToken);
        Assert.True(withoutSki.Status == HttpStatusCode.BadRequest, $"{(int)withoutSki.Status} {withoutSki.Body}");
        Assert.Contains("Subject Key Identifier", withoutSki.Body);

        Assert.Single(await _ca.RootsAsync());
    }

    [Fact]
    public async Task Rotate_ImportPemRootAndActivate_IssuesFromImportedRoot()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Imported Root, O=mesh.test", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        using var root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1));

        var imported = await AddRootAsync(new { certificate = root.ExportCertificatePem(), privateKey = key.ExportPkcs8PrivateKeyPem(), activate = true });
        var issued = await _ca.IssueAsync(CaClient.NewCsr(), (await _ca.CreateTokenAsync()).Token);

        Assert.Equal(root.Thumbprint, imported.Thumbprint);
        Assert.Equal("active", imported.State);
        Assert.True(CaClient.ChainsTo(issued.CertificateChain, root.ExportCertificatePem()));
        Assert.Equal(2, CaClient.Certificates(issued.TrustBundle).Count);
    }

    private async Task<CaRootView> AddRootAsync(object body)
    {
        var (status, response) = await _ca.SendAsync(HttpMethod.Post, "/api/v1/ca/roots", body, SiloProcess.AdminToken);
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {response}");
        Assert.DoesNotContain("PRIVATE KEY", response);
        return JsonSerializer.Deserialize<CaRootView>(response, MeshJson.Options)!;
    }

    private static int RootsIn(TestSubscriber subscriber) =>
        subscriber.Get(BundleKey) is { } resource ? MeshJson.FromElement<TrustBundleSpec>(resource.Spec)!.Roots.Count : 0;

    private static string RootPem(string thumbprint, string bundlePem) =>
        CaClient.Certificates(bundlePem).Single(c => c.Thumbprint == thumbprint).ExportCertificatePem();
}
