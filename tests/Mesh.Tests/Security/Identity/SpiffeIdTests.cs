using Mesh.Security.Identity;

namespace Mesh.Tests.Security.Identity;

public sealed class SpiffeIdTests
{
    [Theory]
    [InlineData("spiffe://cluster.local/ns/default/sa/web", "cluster.local", "default", "web")]
    [InlineData("spiffe://example.org/ns/a-b_c.d/sa/x", "example.org", "a-b_c.d", "x")]
    [InlineData("spiffe://example.org", "example.org", null, null)]
    [InlineData("spiffe://example.org/workload/other", "example.org", null, null)]
    public void TryParse_ValidIds_ExposeParts(string value, string trustDomain, string? ns, string? sa)
    {
        Assert.True(SpiffeId.TryParse(value, out var id));
        Assert.Equal(trustDomain, id.TrustDomain);
        Assert.Equal(ns, id.Namespace);
        Assert.Equal(sa, id.ServiceAccount);
        Assert.Equal(value, id.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("https://cluster.local/ns/a/sa/b")]
    [InlineData("SPIFFE://cluster.local/ns/a/sa/b")]
    [InlineData("spiffe://")]
    [InlineData("spiffe://Cluster.Local/ns/a/sa/b")]
    [InlineData("spiffe://cluster.local:8080/ns/a/sa/b")]
    [InlineData("spiffe://user@cluster.local/ns/a")]
    [InlineData("spiffe://cluster.local/ns//sa/b")]
    [InlineData("spiffe://cluster.local/ns/../sa/b")]
    [InlineData("spiffe://cluster.local/ns/a/sa/b/")]
    [InlineData("spiffe://cluster.local/ns/a/sa/b?x=1")]
    [InlineData("spiffe://cluster.local/ns/a/sa/b#frag")]
    public void TryParse_InvalidIds_ReturnFalseWithReason(string? value)
    {
        Assert.False(SpiffeId.TryParse(value, out var id, out var error));
        Assert.Null(id);
        Assert.NotEmpty(error);
    }
}
