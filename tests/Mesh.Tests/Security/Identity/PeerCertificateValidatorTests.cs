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
    public void Validate_APeerClustersRoot_VouchesOnlyForItsOwnTrustDomain()
    {
        // Federation: this mesh (a.mesh) trusts a peer's root (b.mesh). The peer's CA is honest for its own workloads,
        // but a certificate it issues in this mesh's trust domain must not pass, nor one from a trusted root for a third.
        var ours = Ca.CaTestKit.NewAuthority(_time, new CertificateAuthorityOptions { TrustDomain = "a.mesh" });
        var peer = Ca.CaTestKit.NewAuthority(_time, new CertificateAuthorityOptions { TrustDomain = "b.mesh" });
        var impostor = Ca.CaTestKit.NewAuthority(_time, new CertificateAuthorityOptions { TrustDomain = "a.mesh" });
        var bound = TrustBundle.FromDomains([
            ("a.mesh", [ours.TrustBundle.Pem]),
            ("b.mesh", [peer.TrustBundle.Pem]),
        ]);
        // The peer's root, used to sign an a.mesh identity: a CA of b.mesh with the same key would do this.
        var forging = new CertificateAuthority(peer.Active, new CertificateAuthorityOptions { TrustDomain = "a.mesh" }, _time);
        using var honest = Ca.CaTestKit.Leaf(peer.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart"));
        using var forged = Ca.CaTestKit.Leaf(forging.Issue(Ca.CaTestKit.EcCsr(), "admin", "root"));
        using var local = Ca.CaTestKit.Leaf(ours.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart"));
        var validator = new PeerCertificateValidator(_time);

        Assert.True(validator.Validate(honest, null, bound.ToCollection(), rootTrustDomains: bound.TrustDomains).IsValid);
        Assert.True(validator.Validate(local, null, bound.ToCollection(), rootTrustDomains: bound.TrustDomains).IsValid);
        var refused = validator.Validate(forged, null, bound.ToCollection(), rootTrustDomains: bound.TrustDomains);
        Assert.False(refused.IsValid);
        Assert.Contains("is not vouched for by its root", refused.FailureReason);
        // Without the binding (a bundle of the mesh's own roots only) the same certificate chains and passes: that is
        // what the binding adds.
        Assert.True(validator.Validate(forged, null, bound.ToCollection()).IsValid);
        Assert.False(validator.Validate(Ca.CaTestKit.Leaf(impostor.Issue(Ca.CaTestKit.EcCsr(), "shop", "cart")), null, bound.ToCollection(), rootTrustDomains: bound.TrustDomains).IsValid);
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
