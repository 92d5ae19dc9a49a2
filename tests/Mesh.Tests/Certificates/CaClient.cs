using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Silo.Api;
using Mesh.Silo.Certificates;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Certificates;

/// <summary>
/// Talks to one silo's CA API the way a sidecar and an operator would, and keeps every response body so tests can
/// check that none of them ever carried key material.
/// </summary>
internal sealed class CaClient(SiloProcess silo)
{
    private readonly List<string> _bodies = [];

    public SiloProcess Silo => silo;

    /// <summary>Every response body this client received.</summary>
    public IReadOnlyList<string> Bodies
    {
        get
        {
            lock (_bodies)
            {
                return [.. _bodies];
            }
        }
    }

    /// <summary>Waits until the CA serves a bundle (it comes up just after the silo is ready).</summary>
    public Task<string> WaitForBundleAsync() =>
        Poll.UntilAsync(async () =>
        {
            var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/ca/bundle", null, SiloProcess.AdminToken);
            return status == HttpStatusCode.OK ? body : null;
        }, TimeSpan.FromSeconds(30), () => $"the CA on {silo.Port} never served a bundle:\n{silo.Process.Output}");

    public async Task<JoinTokenResponse> CreateTokenAsync(string ns = "default", string sa = "reviews", bool singleUse = false, long? ttlSeconds = 600)
    {
        var (status, body) = await SendAsync(HttpMethod.Post, "/api/v1/join-tokens", new { @namespace = ns, serviceAccount = sa, ttlSeconds, singleUse }, SiloProcess.AdminToken);
        Assert.True(status == HttpStatusCode.Created, $"join token: {(int)status} {body}");
        return JsonSerializer.Deserialize<JoinTokenResponse>(body, MeshJson.Options)!;
    }

    /// <summary>POST /api/v1/certificates; the token goes in the Authorization header when given.</summary>
    public Task<(HttpStatusCode Status, string Body)> RequestCertificateAsync(string csr, string? joinToken, string? currentCertificate = null, long? ttlSeconds = null) =>
        SendAsync(HttpMethod.Post, "/api/v1/certificates", new { csr, currentCertificate, ttlSeconds }, joinToken);

    public async Task<CertificateResponse> IssueAsync(string csr, string? joinToken, string? currentCertificate = null)
    {
        var (status, body) = await RequestCertificateAsync(csr, joinToken, currentCertificate);
        Assert.True(status == HttpStatusCode.OK, $"certificate: {(int)status} {body}");
        return JsonSerializer.Deserialize<CertificateResponse>(body, MeshJson.Options)!;
    }

    public async Task<List<CaRootView>> RootsAsync()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/ca/roots", null, SiloProcess.ReadOnlyToken);
        Assert.Equal(HttpStatusCode.OK, status);
        return JsonSerializer.Deserialize<List<CaRootView>>(body, MeshJson.Options)!;
    }

    public async Task<string> BundleAsync()
    {
        var (status, body) = await SendAsync(HttpMethod.Get, "/api/v1/ca/bundle", null, SiloProcess.ReadOnlyToken);
        Assert.True(status == HttpStatusCode.OK, $"bundle: {(int)status} {body}");
        return body;
    }

    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, object? json, string? bearer)
    {
        using var client = silo.CreateClient(null);
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = JsonContent.Create(json, options: MeshJson.Options);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        lock (_bodies)
        {
            _bodies.Add(body);
        }

        return (response.StatusCode, body);
    }

    /// <summary>A fresh P-256 key and a CSR for it, made the way a sidecar makes one.</summary>
    public static string NewCsr(out ECDsa key)
    {
        key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=workload", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }

    public static string NewCsr() => NewCsr(out _);

    public static X509Certificate2 Leaf(string chainPem) => X509Certificate2.CreateFromPem(chainPem);

    public static X509Certificate2Collection Certificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return collection;
    }

    /// <summary>Independent check (plain X509Chain, custom trust): does the leaf chain to one of the bundle's roots?</summary>
    public static bool ChainsTo(string chainPem, string bundlePem)
    {
        var certificates = Certificates(chainPem);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Certificates(bundlePem));
        chain.ChainPolicy.ExtraStore.AddRange(certificates);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        return chain.Build(certificates[0]);
    }

    public static string UriSan(X509Certificate2 certificate) =>
        Assert.Single(Mesh.Security.Identity.PeerCertificateValidator.ReadUriSans(certificate)!);
}
