using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;

namespace Mesh.Tests.Sidecar.Security;

/// <summary>Shortcuts for the security end-to-end tests: join tokens, certificates from the silo CA, mTLS clients, policies.</summary>
internal static class SecureMesh
{
    public static async Task<string> JoinTokenAsync(this SiloProcess silo, string serviceAccount, string ns = "default")
    {
        using var response = await silo.Admin.PostAsJsonAsync("/api/v1/join-tokens", new { @namespace = ns, serviceAccount, ttlSeconds = 3600 });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>An SVID from the silo CA for a test client, with its key: what a well-behaved peer sidecar holds.</summary>
    public static async Task<X509Certificate2> IssueAsync(this SiloProcess silo, string serviceAccount, string ns = "default")
    {
        var token = await silo.JoinTokenAsync(serviceAccount, ns);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest("CN=test", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        using var client = silo.CreateClient(token);
        using var response = await client.PostAsJsonAsync("/api/v1/certificates", new { csr });
        response.EnsureSuccessStatusCode();
        var chain = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("certificateChain").GetString()!;
        using var leaf = X509Certificate2.CreateFromPem(chain);
        return X509CertificateLoader.LoadPkcs12(leaf.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>Registers a service whose workloads run as <paramref name="serviceAccount"/> (the identity callers expect).</summary>
    /// <summary>Stores a namespace credential (what Istio's credentialName names) through the admin API.</summary>
    public static async Task PutCredentialAsync(this SiloProcess silo, string name, X509Certificate2? certificate, string? caCertificates, string ns = "default")
    {
        using var response = await silo.Admin.PutAsJsonAsync($"/api/v1/namespaces/{ns}/credentials/{name}", new
        {
            certificate = certificate?.ExportCertificatePem(),
            privateKey = certificate?.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
            caCertificates,
        });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task AddServiceAsync(this SiloProcess silo, string name, string serviceAccount, int port = 9080) =>
        await silo.Admin.PutServiceAsync(new MeshResource
        {
            ApiVersion = ResourceKinds.MeshApiVersion,
            Kind = ResourceKinds.Service,
            Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
            Spec = MeshJson.ToElement(new ServiceSpec { ServiceAccount = serviceAccount, Ports = [new ServicePort { Name = "http", Port = port }] }),
        });

    public static MeshResource Policy(string kind, string name, object spec, string ns = "default") => new()
    {
        ApiVersion = "security.istio.io/v1",
        Kind = kind,
        Metadata = new ResourceMetadata { Name = name, Namespace = ns },
        Spec = JsonSerializer.SerializeToElement(spec),
    };

    public static MeshResource PeerAuthentication(string mode, string name = "default") =>
        Policy("PeerAuthentication", name, new { mtls = new { mode } });

    public static async Task<X509Certificate2Collection> BundleAsync(this SiloProcess silo)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(await silo.Admin.GetStringAsync("/api/v1/ca/bundle"));
        return roots;
    }

    /// <summary>
    /// A client speaking TLS straight to a sidecar's inbound port, presenting <paramref name="certificate"/> (or none)
    /// and requiring the server to present an SVID that chains to <paramref name="roots"/>.
    /// </summary>
    public static HttpClient MtlsClient(int port, X509Certificate2? certificate, X509Certificate2Collection roots) => new(new SocketsHttpHandler
    {
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.Zero,
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = certificate is null ? null : [certificate],
            LocalCertificateSelectionCallback = certificate is null ? null : (_, _, _, _, _) => certificate,
            RemoteCertificateValidationCallback = (_, server, chain, _) =>
                new Mesh.Security.Identity.PeerCertificateValidator(TimeProvider.System).Validate(server, chain, roots).IsValid,
        },
    })
    {
        BaseAddress = new Uri($"https://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(10),
    };

    public static HttpClient PlainClient(int port) => new(new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = TimeSpan.Zero })
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}"),
        Timeout = TimeSpan.FromSeconds(10),
    };

    /// <summary>Starts a sidecar in front of <paramref name="app"/> holding an SVID for <paramref name="serviceAccount"/>.</summary>
    public static async Task<SidecarProcess> StartSecureSidecarAsync(this MeshTestBed mesh, string id, string serviceAccount, string? service = null,
        UpstreamServer? app = null, IEnumerable<string>? extraArgs = null) =>
        await mesh.StartSidecarAsync(id, service, app?.Port, service is null ? null : $"app={service},version={app?.Version ?? "v1"}",
            extraArgs: ["--join-token", await mesh.Silo.JoinTokenAsync(serviceAccount), .. extraArgs ?? []]);

    public static async Task<JsonElement> CertsAsync(this SidecarProcess sidecar) => await sidecar.Admin.GetFromJsonAsync<JsonElement>("/certs", MeshJson.Options);

    /// <summary>Waits until the sidecar's config carries <paramref name="peer"/>'s endpoint (registered through its own sidecar).</summary>
    public static Task WaitForEndpointAsync(this SidecarProcess sidecar, SidecarProcess peer) =>
        Poll.UntilTrueAsync(async () => (await sidecar.Admin.GetStringAsync("/config_dump")).Contains($"\"sidecarPort\":{peer.InboundPort}", StringComparison.Ordinal),
            TimeSpan.FromSeconds(20), () => "the peer sidecar's registration never reached this sidecar");
}
