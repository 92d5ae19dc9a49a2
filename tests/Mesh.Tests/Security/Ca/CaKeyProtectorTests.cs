using Mesh.Security.Ca;

namespace Mesh.Tests.Security.Ca;

public sealed class CaKeyProtectorTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Unprotect_SameKek_RestoresACredentialThatSigns()
    {
        using var original = CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, _time);
        using var kek = KeyEncryptionKey.Generate();
        var protector = new CaKeyProtector(kek);

        var stored = protector.Protect(original);
        using var restored = protector.Unprotect(stored, original.ExportCertificateChainPem(), _time);
        var authority = new CertificateAuthority(restored, new CertificateAuthorityOptions(), _time);
        var issued = authority.Issue(CaTestKit.EcCsr(), "default", "web");

        Assert.StartsWith("v1.", stored);
        Assert.Equal(original.Certificate.Thumbprint, restored.Certificate.Thumbprint);
        Assert.Equal(original.Certificate.Thumbprint, issued.IssuerThumbprint);
        Assert.DoesNotContain(Convert.ToBase64String(original.ExportPrivateKeyPkcs8()), stored);
    }

    [Fact]
    public void Unprotect_WrongKek_ThrowsCaException()
    {
        using var original = CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.Rsa2048, _time);
        var stored = new CaKeyProtector(KeyEncryptionKey.Generate()).Protect(original);

        var ex = Assert.Throws<CaException>(() => new CaKeyProtector(KeyEncryptionKey.Generate()).Unprotect(stored, original.ExportCertificateChainPem(), _time));

        Assert.Contains("wrong key-encryption key", ex.Message);
    }

    [Fact]
    public void Unprotect_KeyPairedWithAnotherCertificate_Throws()
    {
        using var kek = KeyEncryptionKey.Generate();
        var protector = new CaKeyProtector(kek);
        using var a = CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, _time);
        using var b = CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, _time);

        Assert.Throws<CaException>(() => protector.Unprotect(protector.Protect(a), b.ExportCertificateChainPem(), _time));
    }

    [Theory]
    [InlineData("v2.AAAA")]
    [InlineData("v1.!!!")]
    [InlineData("v1.AAAA")]
    public void Unprotect_CorruptData_ThrowsCaException(string stored)
    {
        using var root = CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, _time);

        Assert.Throws<CaException>(() => new CaKeyProtector(KeyEncryptionKey.Generate()).Unprotect(stored, root.ExportCertificateChainPem(), _time));
    }

    [Fact]
    public async Task KeyEncryptionKey_FromBase64EnvAndFile_LoadTheSameKeyAndNeverPrintIt()
    {
        var raw = System.Security.Cryptography.RandomNumberGenerator.GetBytes(32);
        var base64 = Convert.ToBase64String(raw);
        var file = Path.GetTempFileName();
        var variable = "MESH_TEST_KEK_" + Guid.NewGuid().ToString("N");
        try
        {
            await File.WriteAllBytesAsync(file, raw);
            Environment.SetEnvironmentVariable(variable, base64);
            using var root = CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, _time);
            using var fromBase64 = KeyEncryptionKey.FromBase64(base64);
            using var fromEnv = KeyEncryptionKey.FromEnvironment(variable);
            using var fromFile = await KeyEncryptionKey.FromFileAsync(file, CancellationToken.None);

            var stored = new CaKeyProtector(fromBase64).Protect(root);

            Assert.Equal(root.Certificate.Thumbprint, new CaKeyProtector(fromEnv).Unprotect(stored, root.ExportCertificateChainPem(), _time).Certificate.Thumbprint);
            Assert.Equal(root.Certificate.Thumbprint, new CaKeyProtector(fromFile).Unprotect(stored, root.ExportCertificateChainPem(), _time).Certificate.Thumbprint);
            Assert.DoesNotContain(base64, fromBase64.ToString());
        }
        finally
        {
            File.Delete(file);
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Theory]
    [InlineData("dG9vIHNob3J0")]
    [InlineData("***")]
    public void KeyEncryptionKey_BadBase64_ThrowsNamingTheProblem(string value)
    {
        var ex = Assert.Throws<CaException>(() => KeyEncryptionKey.FromBase64(value));

        Assert.Contains("key-encryption key", ex.Message);
    }
}
