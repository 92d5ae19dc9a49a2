using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Certificates;

/// <summary>How a silo's CA comes up from its settings: importing a root from PEM files, or refusing bad ones without crashing.</summary>
public sealed class CaBootstrapTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mesh-ca-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Start_WithRootCertAndKeyFiles_ImportsThatRoot()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(key, "CN=Operator Root, O=example");
        var certFile = Write("root.pem", root.ExportCertificatePem());
        var keyFile = Write("root.key", key.ExportPkcs8PrivateKeyPem());

        await using var silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
        {
            ["Mesh__Ca__RootCertFile"] = certFile,
            ["Mesh__Ca__RootKeyFile"] = keyFile,
        });
        var ca = new CaClient(silo);
        var bundle = await ca.WaitForBundleAsync();
        var issued = await ca.IssueAsync(CaClient.NewCsr(), (await ca.CreateTokenAsync()).Token);

        Assert.Equal(root.Thumbprint, Assert.Single(CaClient.Certificates(bundle)).Thumbprint);
        Assert.True(CaClient.ChainsTo(issued.CertificateChain, root.ExportCertificatePem()));
        Assert.DoesNotContain("PRIVATE KEY", silo.Process.Output);
    }

    [Fact]
    public async Task Ready_TheCaAnswersAtOnce_WithoutAStartingRetry()
    {
        // SiloProcess returns once /readyz says ready; a client that waited for that must find the CA serving,
        // not the 503 of a bootstrap still under way.
        await using var silo = await SiloProcess.StartAsync(log: output);
        var ca = new CaClient(silo);

        var (status, body) = await ca.SendAsync(HttpMethod.Get, "/api/v1/ca/bundle", null, null);

        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
        Assert.Contains("BEGIN CERTIFICATE", body);
    }

    [Fact]
    public async Task Start_WithIntermediateChainFile_SignsWithIntermediateAndTrustsItsRoot()
    {
        using var rootKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(rootKey, "CN=Offline Root, O=example");
        using var intermediateKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Mesh Intermediate, O=example", intermediateKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(root, true, false));
        using var intermediate = request.Create(root, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(1), [0x42, 0x01]);

        await using var silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
        {
            ["Mesh__Ca__RootCertFile"] = Write("chain.pem", intermediate.ExportCertificatePem() + "\n" + root.ExportCertificatePem()),
            ["Mesh__Ca__RootKeyFile"] = Write("intermediate.key", intermediateKey.ExportPkcs8PrivateKeyPem()),
        });
        var ca = new CaClient(silo);
        var bundle = await ca.WaitForBundleAsync();
        var issued = await ca.IssueAsync(CaClient.NewCsr(), (await ca.CreateTokenAsync()).Token);

        Assert.Equal(root.Thumbprint, Assert.Single(CaClient.Certificates(bundle)).Thumbprint);
        Assert.Equal([issued.SerialNumber, intermediate.SerialNumber], CaClient.Certificates(issued.CertificateChain).Select(c => c.SerialNumber));
        Assert.True(CaClient.ChainsTo(issued.CertificateChain, bundle));
        var signer = Assert.Single(await ca.RootsAsync());
        Assert.Equal(intermediate.Thumbprint, signer.Thumbprint);
        Assert.Equal(root.Thumbprint, signer.RootThumbprint);
    }

    [Fact]
    public async Task Start_WithKeyNotMatchingRootFile_SiloRunsAndCaAnswers503()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var root = CreateRoot(key, "CN=Mismatched Root");

        await using var silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
        {
            ["Mesh__Ca__RootCertFile"] = Write("root.pem", root.ExportCertificatePem()),
            ["Mesh__Ca__RootKeyFile"] = Write("other.key", otherKey.ExportPkcs8PrivateKeyPem()),
        });
        var ca = new CaClient(silo);
        var (status, body) = await Poll.UntilAsync(async () =>
        {
            var result = await ca.SendAsync(HttpMethod.Get, "/api/v1/ca/bundle", null, null);
            return result.Body.Contains("starting", StringComparison.Ordinal) ? null : Tuple.Create(result.Status, result.Body);
        }, TimeSpan.FromSeconds(20), () => "the CA never left its starting state");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("does not match", body);
        await silo.Admin.PutServiceAsync(TestResources.Service("still-serving"));
    }

    [Fact]
    public async Task Start_WithInvalidKek_CaAnswers503NamingTheSetting()
    {
        await using var silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
        {
            ["Mesh__Ca__KeyEncryptionKey"] = "dG9vLXNob3J0",
        });
        var ca = new CaClient(silo);
        var token = await ca.CreateTokenAsync();

        var (status, body) = await Poll.UntilAsync(async () =>
        {
            var result = await ca.RequestCertificateAsync(CaClient.NewCsr(), token.Token);
            return result.Body.Contains("starting", StringComparison.Ordinal) ? null : Tuple.Create(result.Status, result.Body);
        }, TimeSpan.FromSeconds(20), () => "the CA never left its starting state");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("key-encryption key", body);
        Assert.DoesNotContain("dG9vLXNob3J0", body + silo.Process.Output);
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static X509Certificate2 CreateRoot(ECDsa key, string subject)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddYears(2));
    }
}
