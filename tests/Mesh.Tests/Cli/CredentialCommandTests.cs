using Mesh.Tests.Sidecar.Security;

namespace Mesh.Tests.Cli;

/// <summary><c>meshctl create credential</c>, <c>get credentials</c> and <c>delete credential</c> against a real silo.</summary>
public sealed class CredentialCommandTests(CliSiloFixture fixture) : IClassFixture<CliSiloFixture>
{
    [Fact]
    public async Task Credential_CreateGetDelete_NeverPrintsTheKey()
    {
        var meshctl = Meshctl.For(fixture.Silo);
        using var authority = new TestCa("cli-ca");
        using var certificate = authority.IssueForHost("api.example.test");
        var directory = Directory.CreateTempSubdirectory("meshctl-credential").FullName;
        try
        {
            var cert = Path.Combine(directory, "tls.crt");
            var key = Path.Combine(directory, "tls.key");
            var ca = Path.Combine(directory, "ca.crt");
            await File.WriteAllTextAsync(cert, certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(key, System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(certificate)!.ExportPkcs8PrivateKeyPem());
            await File.WriteAllTextAsync(ca, authority.CertificatePem);

            var created = await meshctl.RunAsync("create", "credential", "api-client", "--cert", cert, "--key", key, "--cacert", ca, "-n", "egress");
            Assert.True(created.ExitCode == 0, created.ToString());
            Assert.Equal("credential.mesh.dev/api-client created (CN=api.example.test)", created.Stdout.Trim());
            var again = await meshctl.RunAsync("create", "secret", "api-client", "--cacert", ca, "-n", "egress");
            Assert.Equal("credential.mesh.dev/api-client configured (CA certificates only)", again.Stdout.Trim());
            await meshctl.RunAsync("create", "credential", "api-client", "--cert", cert, "--key", key, "--cacert", ca, "-n", "egress");

            var listed = await meshctl.RunAsync("get", "credentials", "-n", "egress");
            Assert.True(listed.ExitCode == 0, listed.ToString());
            var lines = listed.Stdout.TrimEnd().Split('\n');
            Assert.Equal(["NAME", "SUBJECT", "DNS", "NAMES", "NOT", "AFTER", "KEY", "CA", "CERTS", "UPDATED"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("api-client", lines[1], StringComparison.Ordinal);
            Assert.Contains("api.example.test", lines[1], StringComparison.Ordinal);
            var json = await meshctl.RunAsync("get", "credential", "api-client", "-n", "egress", "-o", "json");
            Assert.Contains("\"hasPrivateKey\": true", json.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("PRIVATE KEY", listed.Stdout + json.Stdout + created.Stdout, StringComparison.Ordinal);

            var badKey = await meshctl.RunAsync("create", "credential", "broken", "--cert", cert, "--key", ca, "-n", "egress");
            Assert.NotEqual(0, badKey.ExitCode);
            Assert.Contains("privateKey", badKey.Stderr, StringComparison.Ordinal);

            var deleted = await meshctl.RunAsync("delete", "credential", "api-client", "-n", "egress");
            Assert.True(deleted.ExitCode == 0, deleted.ToString());
            Assert.NotEqual(0, (await meshctl.RunAsync("get", "credential", "api-client", "-n", "egress")).ExitCode);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
