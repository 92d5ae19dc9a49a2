using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Ca;
using Mesh.Security.Identity;

namespace Mesh.Tests.Security.Ca;

public sealed class SvidIssuanceTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Issue_EcCsrAskingForOtherNames_SetsExactlyOneSpiffeUriSan()
    {
        using var ca = CaTestKit.NewAuthority(_time).Active;
        var authority = new CertificateAuthority(ca, new CertificateAuthorityOptions(), _time);

        var issued = authority.Issue(CaTestKit.EcCsr(), "default", "web");
        using var leaf = CaTestKit.Leaf(issued);

        Assert.Equal(["spiffe://cluster.local/ns/default/sa/web"], PeerCertificateValidator.ReadUriSans(leaf));
        var san = Assert.Single(leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        Assert.True(san.Critical);
        Assert.Empty(san.EnumerateDnsNames());
        Assert.Equal("", leaf.Subject);
        Assert.Equal("spiffe://cluster.local/ns/default/sa/web", issued.SpiffeId);
    }

    [Fact]
    public void Issue_EcCsr_HasSvidExtensions()
    {
        var authority = CaTestKit.NewAuthority(_time);

        using var leaf = CaTestKit.Leaf(authority.Issue(CaTestKit.EcCsr(), "default", "web"));

        var usage = Assert.Single(leaf.Extensions.OfType<X509KeyUsageExtension>());
        Assert.True(usage.Critical);
        Assert.Equal(X509KeyUsageFlags.DigitalSignature, usage.KeyUsages);
        var eku = Assert.Single(leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>());
        Assert.Equal(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], eku.EnhancedKeyUsages.Cast<Oid>().Select(o => o.Value).Order());
        var constraints = Assert.Single(leaf.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.False(constraints.CertificateAuthority);
        Assert.True(constraints.Critical);
        var ski = Assert.Single(leaf.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        Assert.NotNull(ski.SubjectKeyIdentifier);
        var aki = Assert.Single(leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>());
        var caSki = authority.Active.Certificate.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single();
        Assert.Equal(caSki.SubjectKeyIdentifierBytes.ToArray(), aki.KeyIdentifier!.Value.ToArray());
    }

    [Fact]
    public void Issue_RsaCsr_AddsKeyEncipherment()
    {
        var authority = CaTestKit.NewAuthority(_time, algorithm: CaKeyAlgorithm.Rsa2048);

        using var leaf = CaTestKit.Leaf(authority.Issue(CaTestKit.RsaCsr(2048), "default", "web"));

        var usage = leaf.Extensions.OfType<X509KeyUsageExtension>().Single();
        Assert.Equal(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, usage.KeyUsages);
    }

    [Fact]
    public void Issue_NoTtl_ValidFor24HoursWithBackdatedNotBefore()
    {
        var authority = CaTestKit.NewAuthority(_time);
        var now = _time.GetUtcNow();

        var issued = authority.Issue(CaTestKit.EcCsr(), "default", "web");

        Assert.InRange(issued.NotAfter - now, TimeSpan.FromHours(24) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(24));
        Assert.InRange(now - issued.NotBefore, TimeSpan.FromSeconds(59), TimeSpan.FromSeconds(61));
    }

    [Fact]
    public void Issue_TtlAboveMaximum_IsClampedToMaximum()
    {
        var authority = CaTestKit.NewAuthority(_time, new CertificateAuthorityOptions { MaxWorkloadTtl = TimeSpan.FromHours(48) });
        var now = _time.GetUtcNow();

        var clamped = authority.Issue(CaTestKit.EcCsr(), "default", "web", TimeSpan.FromDays(365));
        var shorter = authority.Issue(CaTestKit.EcCsr(), "default", "web", TimeSpan.FromHours(1));

        Assert.InRange(clamped.NotAfter - now, TimeSpan.FromHours(48) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(48));
        Assert.InRange(shorter.NotAfter - now, TimeSpan.FromHours(1) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(1));
    }

    [Fact]
    public void Issue_1000Certificates_SerialsAreUniquePositiveAndLong()
    {
        var authority = CaTestKit.NewAuthority(_time);
        var csr = CaTestKit.EcCsr();

        var serials = Enumerable.Range(0, 1000).Select(_ => authority.Issue(csr, "default", "web").SerialNumber).ToList();

        Assert.Equal(1000, serials.Distinct().Count());
        Assert.All(serials, s =>
        {
            Assert.True(s.Length >= 32, $"serial {s} is shorter than 16 bytes");
            Assert.True(Convert.FromHexString(s)[0] < 0x80, $"serial {s} is negative");
        });
    }

    [Fact]
    public async Task SignAsync_ContractInterface_ReturnsChainSerialAndExpiry()
    {
        var authority = CaTestKit.NewAuthority(_time);

        var signed = await authority.SignAsync(CaTestKit.EcCsr(), new("cluster.local", "shop", "cart"), null, CancellationToken.None);

        using var leaf = X509Certificate2.CreateFromPem(signed.CertificateChainPem);
        Assert.Equal(leaf.SerialNumber, signed.SerialNumber);
        Assert.Contains("BEGIN CERTIFICATE", await authority.GetTrustBundleAsync(CancellationToken.None));
    }

    [Fact]
    public void Issue_OpenSslCsr_IsAcceptedAndChainsToRoot()
    {
        using var openssl = new OpenSsl();
        openssl.Run("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "k.pem", "-subj", "/CN=x", "-out", "csr.pem");
        var authority = CaTestKit.NewAuthority(_time);

        var issued = authority.Issue(File.ReadAllText(openssl.PathOf("csr.pem")), "default", "web");

        var result = new PeerCertificateValidator(_time).Validate(CaTestKit.Leaf(issued), null, CaTestKit.Bundle(authority));
        Assert.True(result.IsValid, result.FailureReason);
    }

    [Fact]
    public void Issue_WrongTrustDomain_IsRejected()
    {
        var authority = CaTestKit.NewAuthority(_time);
        SpiffeId.TryParse("spiffe://other.domain/ns/a/sa/b", out var foreign);

        var ex = Assert.Throws<InvalidCsrException>(() => authority.Issue(CaTestKit.EcCsr(), foreign!));

        Assert.Contains("trust domain", ex.Message);
    }
}
