using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Security.Identity;
using Mesh.Silo.Api;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Certificates;

/// <summary>A silo serving HTTPS with a certificate from its own CA, and sidecars renewing over mutual TLS.</summary>
public sealed class SiloTlsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private ManagedProcess _silo = null!;
    private Uri _address = null!;

    public Task InitializeAsync()
    {
        (_silo, _address) = TlsSiloProcess.Start("silo-tls", output);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Https_SelfIssuedCertificate_VerifiesAgainstTrustBundleAsSiloIdentity()
    {
        var bundle = await FirstContactBundleAsync();
        using var trusting = Client(bundle, clientCertificate: null);

        using var response = await trusting.GetAsync("/api/v1/ca/roots");
        using var systemTrust = new HttpClient { BaseAddress = _address };
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => systemTrust.GetAsync("/healthz"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("SSL", refused.ToString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Renew_WithSvidAsTlsClientCertificate_AllowsNewKey()
    {
        var bundle = await FirstContactBundleAsync();
        using var admin = Client(bundle, clientCertificate: null);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken);
        using var created = await admin.PostAsJsonAsync("/api/v1/join-tokens", new { @namespace = "shop", serviceAccount = "cart", singleUse = true }, MeshJson.Options);
        var token = (await created.Content.ReadFromJsonAsync<JoinTokenResponse>(MeshJson.Options))!;
        Assert.Equal(bundle, token.TrustBundle);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Token);
        using var first = await admin.PostAsJsonAsync("/api/v1/certificates", new { csr = CaClient.NewCsr(out var key) }, MeshJson.Options);
        var svid = (await first.Content.ReadFromJsonAsync<CertificateResponse>(MeshJson.Options))!;

        using var leaf = X509Certificate2.CreateFromPem(svid.CertificateChain);
        using var withKey = leaf.CopyWithPrivateKey(key);
        using var sidecar = Client(bundle, withKey);
        using var renewal = await sidecar.PostAsJsonAsync("/api/v1/certificates", new { csr = CaClient.NewCsr(out var newKey) }, MeshJson.Options);
        var body = await renewal.Content.ReadAsStringAsync();

        Assert.True(renewal.StatusCode == HttpStatusCode.OK, $"{(int)renewal.StatusCode} {body}");
        var renewed = JsonSerializer.Deserialize<CertificateResponse>(body, MeshJson.Options)!;
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/cart", renewed.SpiffeId);
        using var renewedLeaf = X509Certificate2.CreateFromPem(renewed.CertificateChain);
        Assert.Equal(newKey.ExportSubjectPublicKeyInfo(), renewedLeaf.PublicKey.ExportSubjectPublicKeyInfo());

        using var impostorCertificate = ImpostorCertificate();
        using var impostor = Client(bundle, impostorCertificate);
        using var refused = await impostor.PostAsJsonAsync("/api/v1/certificates", new { csr = CaClient.NewCsr() }, MeshJson.Options);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Subscribe_WithSvidAsTlsClientCertificate_OwnNamespaceOnly_UnknownIssuerIsUnauthenticated()
    {
        var bundle = await FirstContactBundleAsync();
        using var admin = Client(bundle, clientCertificate: null);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken);
        using var created = await admin.PostAsJsonAsync("/api/v1/join-tokens", new { @namespace = "shop", serviceAccount = "cart" }, MeshJson.Options);
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await created.Content.ReadFromJsonAsync<JoinTokenResponse>(MeshJson.Options))!.Token);
        using var issued = await admin.PostAsJsonAsync("/api/v1/certificates", new { csr = CaClient.NewCsr(out var key) }, MeshJson.Options);
        var svid = (await issued.Content.ReadFromJsonAsync<CertificateResponse>(MeshJson.Options))!;
        using var leaf = X509Certificate2.CreateFromPem(svid.CertificateChain);
        using var withKey = leaf.CopyWithPrivateKey(key);

        var own = await SubscribeAsync(bundle, withKey, "shop");
        var otherNamespace = await Assert.ThrowsAsync<RpcException>(() => SubscribeAsync(bundle, withKey, "default"));
        using var impostorCertificate = ImpostorCertificate();
        var impostor = await Assert.ThrowsAsync<RpcException>(() => SubscribeAsync(bundle, impostorCertificate, "shop"));

        Assert.Equal(SubscribeResponse.MessageOneofCase.Resources, own.MessageCase);
        Assert.Equal(StatusCode.PermissionDenied, otherNamespace.StatusCode);
        Assert.Contains("spiffe://cluster.local/ns/shop/sa/cart", otherNamespace.Status.Detail);
        Assert.Contains("subscribe.node.namespace 'default'", otherNamespace.Status.Detail);
        Assert.Equal(StatusCode.Unauthenticated, impostor.StatusCode);
        Assert.Contains("client certificate refused", impostor.Status.Detail);
    }

    /// <summary>A self-signed certificate claiming shop/cart's SPIFFE ID: right name, wrong issuer.</summary>
    private static X509Certificate2 ImpostorCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=impostor", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri("spiffe://cluster.local/ns/shop/sa/cart"));
        request.CertificateExtensions.Add(san.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
    }

    /// <summary>Opens a subscription over TLS presenting <paramref name="clientCertificate"/> and returns its first response.</summary>
    private async Task<SubscribeResponse> SubscribeAsync(string bundle, X509Certificate2 clientCertificate, string nodeNamespace)
    {
        using var channel = GrpcChannel.ForAddress(_address, new GrpcChannelOptions { HttpHandler = Handler(bundle, clientCertificate), MaxReceiveMessageSize = null });
        using var timeout = new CancellationTokenSource(Deadline);
        using var call = new MeshDiscovery.MeshDiscoveryClient(channel).Subscribe(cancellationToken: timeout.Token);
        var node = new Mesh.Contracts.Protocol.NodeInfo { Id = $"tls-{nodeNamespace}-{Guid.NewGuid():N}", Namespace = nodeNamespace };
        await call.RequestStream.WriteAsync(new SubscribeRequest { Subscribe = new Subscribe { Node = WireResources.ToWire(node) } });
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token), "the silo ended the stream without a response");
        return call.ResponseStream.Current;
    }

    /// <summary>
    /// The bundle as a new sidecar gets it out of band. The test reads it once without verification, then proves
    /// that everything after verifies against it.
    /// </summary>
    private async Task<string> FirstContactBundleAsync()
    {
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        using var insecure = new HttpClient(handler) { BaseAddress = _address };
        return await Poll.UntilAsync(async () =>
        {
            using var response = await insecure.GetAsync("/api/v1/ca/bundle");
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
        }, Deadline, () => $"the TLS silo never served a bundle:\n{_silo.Output}");
    }

    /// <summary>Trusts only the bundle, and only a server whose SPIFFE ID is the silo's.</summary>
    private HttpClient Client(string bundlePem, X509Certificate2? clientCertificate) =>
        new(Handler(bundlePem, clientCertificate)) { BaseAddress = _address, Timeout = TimeSpan.FromSeconds(30) };

    private static HttpClientHandler Handler(string bundlePem, X509Certificate2? clientCertificate)
    {
        var roots = CaClient.Certificates(bundlePem);
        var validator = new PeerCertificateValidator(TimeProvider.System);
        var silo = SpiffeId.ForWorkload("cluster.local", "istio-system", "mesh-silo");
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, chain, _) => validator.Validate(certificate, chain, roots, silo).IsValid,
        };
        if (clientCertificate is not null)
        {
            handler.ClientCertificateOptions = ClientCertificateOption.Manual;
            handler.ClientCertificates.Add(clientCertificate);
        }

        return handler;
    }
}
