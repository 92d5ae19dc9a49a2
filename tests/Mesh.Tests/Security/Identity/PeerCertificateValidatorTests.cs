using Mesh.Security.Ca;
using Mesh.Security.Identity;

namespace Mesh.Tests.Security.Identity;

public sealed class PeerCertificateValidatorTests
{
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Validate_CertificateFromBundleRoot_ReturnsSpiffeId()
    {
        var ca = Ca.CaTestKit.NewAuthority(_time);
        using var leaf = Ca.CaTestKit.Leaf(ca.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart"));
        SpiffeId.TryParse("spiffe://cluster.local/ns/shop/sa/cart", out var expected);

        var result = new PeerCertificateValidator(_time).Validate(leaf, null, Ca.CaTestKit.Bundle(ca), expected);

        Assert.True(result.IsValid, result.FailureReason);
        Assert.Equal("cluster.local/ns/shop/sa/cart", result.SpiffeId!.Principal);
        Assert.Equal("shop", result.SpiffeId.Namespace);
    }

    [Fact]
    public void Validate_CertificateFromForeignCa_IsRejected()
    {
        var ours = Ca.CaTestKit.NewAuthority(_time);
        var foreign = Ca.CaTestKit.NewAuthority(_time);
        using var leaf = Ca.CaTestKit.Leaf(foreign.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart"));

        var result = new PeerCertificateValidator(_time).Validate(leaf, null, Ca.CaTestKit.Bundle(ours));

        Assert.False(result.IsValid);
        Assert.Contains("not issued by a CA in the trust bundle", result.FailureReason);
    }

    [Fact]
    public void Validate_ExpiredCertificate_IsRejected()
    {
        var ca = Ca.CaTestKit.NewAuthority(_time);
        using var leaf = Ca.CaTestKit.Leaf(ca.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart", TimeSpan.FromHours(1)));
        _time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));

        var result = new PeerCertificateValidator(_time).Validate(leaf, null, Ca.CaTestKit.Bundle(ca));

        Assert.False(result.IsValid);
        Assert.Contains("expired", result.FailureReason);
    }

    [Fact]
    public void Validate_UnexpectedSpiffeId_IsRejected()
    {
        var ca = Ca.CaTestKit.NewAuthority(_time);
        using var leaf = Ca.CaTestKit.Leaf(ca.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart"));
        SpiffeId.TryParse("spiffe://cluster.local/ns/shop/sa/payments", out var expected);

        var result = new PeerCertificateValidator(_time).Validate(leaf, null, Ca.CaTestKit.Bundle(ca), expected);

        Assert.False(result.IsValid);
        Assert.Contains("is not the expected", result.FailureReason);
    }

    [Fact]
    public void Validate_CaCertificateAsLeafOrNoCertificate_IsRejected()
    {
        var ca = Ca.CaTestKit.NewAuthority(_time);
        var validator = new PeerCertificateValidator(_time);

        Assert.Contains("CA certificate", validator.Validate(ca.Active.Root, null, Ca.CaTestKit.Bundle(ca)).FailureReason);
        Assert.Contains("no client certificate", validator.Validate(null, null, Ca.CaTestKit.Bundle(ca)).FailureReason);
    }

    [Fact]
    public void RootRotation_BothRootsTrustedUntilOldRetired()
    {
        var ca = Ca.CaTestKit.NewAuthority(_time);
        var validator = new PeerCertificateValidator(_time);
        using var oldLeaf = Ca.CaTestKit.Leaf(ca.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart"));
        var oldRoot = ca.Active.Root.Thumbprint;

        ca.AddRoot(CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, _time), activate: true);
        var newIssued = ca.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart");
        using var newLeaf = Ca.CaTestKit.Leaf(newIssued);

        Assert.Equal(2, ca.TrustBundle.Roots.Count);
        Assert.NotEqual(oldRoot, ca.Active.Root.Thumbprint);
        Assert.Equal(ca.Active.Certificate.Thumbprint, newIssued.IssuerThumbprint);
        Assert.True(validator.Validate(oldLeaf, null, Ca.CaTestKit.Bundle(ca)).IsValid);
        Assert.True(validator.Validate(newLeaf, null, Ca.CaTestKit.Bundle(ca)).IsValid);

        ca.RetireRoot(oldRoot);

        Assert.Single(ca.TrustBundle.Roots);
        Assert.False(validator.Validate(oldLeaf, null, Ca.CaTestKit.Bundle(ca)).IsValid);
        Assert.True(validator.Validate(newLeaf, null, Ca.CaTestKit.Bundle(ca)).IsValid);
        Assert.Throws<CaException>(() => ca.RetireRoot(ca.Active.Root.Thumbprint));
    }

    [Fact]
    public void TrustBundle_FromPem_RoundTripsAllRoots()
    {
        var ca = Ca.CaTestKit.NewAuthority(_time);
        ca.AddRoot(CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.Rsa2048, _time), activate: false);

        var parsed = TrustBundle.FromPem(ca.TrustBundle.Pem);

        Assert.Equal(ca.TrustBundle.Roots.Select(r => r.Thumbprint), parsed.Roots.Select(r => r.Thumbprint));
    }
}
