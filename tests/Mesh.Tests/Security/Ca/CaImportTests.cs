using Mesh.Security.Ca;
using Mesh.Security.Identity;

namespace Mesh.Tests.Security.Ca;

public sealed class CaImportTests : IDisposable
{
    private readonly ManualTimeProvider _time = new();
    private readonly OpenSsl _openssl = new();

    [Fact]
    public void ImportPem_OpenSslRoot_IssuesCertificatesThatChainToIt()
    {
        var (cert, key) = OpenSslRoot("root");

        using var credential = CaCredential.ImportPem(cert, key, _time);
        var authority = new CertificateAuthority(credential, new CertificateAuthorityOptions(), _time);
        var issued = authority.Issue(CaTestKit.EcCsr(), "default", "web");

        Assert.True(credential.IsRoot);
        var result = new PeerCertificateValidator(_time).Validate(CaTestKit.Leaf(issued), null, CaTestKit.Bundle(authority));
        Assert.True(result.IsValid, result.FailureReason);
    }

    [Fact]
    public void ImportPem_OpenSslIntermediate_ChainIncludesIntermediateAndValidatesAgainstRoot()
    {
        var (rootCert, _) = OpenSslRoot("root");
        _openssl.Run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "int.key", "-subj", "/CN=Mesh Intermediate", "-out", "int.csr");
        File.WriteAllText(_openssl.PathOf("ext.cnf"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n");
        _openssl.Run("x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-days", "365", "-extfile", "ext.cnf", "-out", "int.crt");
        _time.Set(DateTimeOffset.UtcNow.AddSeconds(1));

        using var credential = CaCredential.ImportPem(File.ReadAllText(_openssl.PathOf("int.crt")), File.ReadAllText(_openssl.PathOf("int.key")), _time, rootCert);
        var authority = new CertificateAuthority(credential, new CertificateAuthorityOptions(), _time);
        var issued = authority.Issue(CaTestKit.EcCsr(), "default", "web");

        Assert.False(credential.IsRoot);
        Assert.Equal(2, issued.CertificateChainPem.Split("BEGIN CERTIFICATE").Length - 1);
        var chain = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        chain.ImportFromPem(issued.CertificateChainPem);
        var result = new PeerCertificateValidator(_time).Validate(chain[0], chain, CaTestKit.Bundle(authority));
        Assert.True(result.IsValid, result.FailureReason);
        Assert.Contains("CN=root", Assert.Single(authority.TrustBundle.Roots).Subject);
    }

    [Fact]
    public void ImportPem_IntermediateWithoutRoot_Throws()
    {
        OpenSslRoot("root");
        _openssl.Run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "int.key", "-subj", "/CN=Int", "-out", "int.csr");
        File.WriteAllText(_openssl.PathOf("ext.cnf"), "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\n");
        _openssl.Run("x509", "-req", "-in", "int.csr", "-CA", "root.crt", "-CAkey", "root.key", "-CAcreateserial", "-days", "30", "-extfile", "ext.cnf", "-out", "int.crt");

        var ex = Assert.Throws<CaException>(() => CaCredential.ImportPem(File.ReadAllText(_openssl.PathOf("int.crt")), File.ReadAllText(_openssl.PathOf("int.key")), _time));

        Assert.Contains("root certificate is required", ex.Message);
    }

    [Fact]
    public void ImportPem_KeyOfAnotherCertificate_ThrowsWithoutKeyMaterial()
    {
        var (cert, _) = OpenSslRoot("a");
        var (_, otherKey) = OpenSslRoot("b");

        var ex = Assert.Throws<CaException>(() => CaCredential.ImportPem(cert, otherKey, _time));

        Assert.Contains("does not match", ex.Message);
        Assert.DoesNotContain("PRIVATE KEY", ex.ToString());
    }

    [Fact]
    public void ImportPem_NonCaCertificate_Throws()
    {
        _openssl.Run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "leaf.key", "-subj", "/CN=leaf",
            "-days", "30", "-addext", "basicConstraints=critical,CA:FALSE", "-out", "leaf.crt");

        var ex = Assert.Throws<CaException>(() => CaCredential.ImportPem(File.ReadAllText(_openssl.PathOf("leaf.crt")), File.ReadAllText(_openssl.PathOf("leaf.key")), _time));

        Assert.Contains("not a CA", ex.Message);
    }

    [Fact]
    public void CreateSelfSignedRoot_HasCaExtensionsAndTenYearLifetime()
    {
        using var root = CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, _time);

        var cert = root.Certificate;
        Assert.True(cert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension>().Single().CertificateAuthority);
        var usage = cert.Extensions.OfType<System.Security.Cryptography.X509Certificates.X509KeyUsageExtension>().Single();
        Assert.True(usage.Critical);
        Assert.Equal(System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.KeyCertSign | System.Security.Cryptography.X509Certificates.X509KeyUsageFlags.CrlSign, usage.KeyUsages);
        Assert.InRange((cert.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime).TotalDays, 3649, 3651);
        Assert.DoesNotContain("PRIVATE", root.ToString());
    }

    private (string Cert, string Key) OpenSslRoot(string name)
    {
        _openssl.Run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key", "-subj", "/O=test/CN=" + name,
            "-days", "3650", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-out", name + ".crt");

        // openssl stamps NotBefore with the wall clock; move the test clock past it.
        _time.Set(DateTimeOffset.UtcNow.AddSeconds(1));
        return (File.ReadAllText(_openssl.PathOf(name + ".crt")), File.ReadAllText(_openssl.PathOf(name + ".key")));
    }

    public void Dispose() => _openssl.Dispose();
}
