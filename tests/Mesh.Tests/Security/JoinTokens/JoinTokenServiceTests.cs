using Mesh.Security.JoinTokens;

namespace Mesh.Tests.Security.JoinTokens;

public sealed class JoinTokenServiceTests
{
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryJoinTokenStore _store = new();
    private readonly JoinTokenService _service;

    public JoinTokenServiceTests() => _service = new JoinTokenService(_store, _time);

    [Fact]
    public async Task RedeemAsync_ValidToken_GrantsNamespaceAndServiceAccount()
    {
        var created = await _service.CreateAsync("shop", "cart", TimeSpan.FromHours(1), singleUse: false, CancellationToken.None);

        var first = await _service.RedeemAsync(created.Token, CancellationToken.None);
        var second = await _service.RedeemAsync(created.Token, CancellationToken.None);

        Assert.True(first.IsValid);
        Assert.Equal(("shop", "cart"), (first.Namespace, first.ServiceAccount));
        Assert.True(second.IsValid);
        Assert.True(System.Buffers.Text.Base64Url.DecodeFromChars(created.Token).Length >= 32);
        Assert.DoesNotContain(created.Token, created.ToString());
    }

    [Fact]
    public async Task CreateAsync_StoresOnlyTheHash()
    {
        var created = await _service.CreateAsync("shop", "cart", TimeSpan.FromHours(1), singleUse: false, CancellationToken.None);

        var stored = await _store.FindAsync(JoinTokenService.Hash(created.Token), CancellationToken.None);

        Assert.NotNull(stored);
        Assert.NotEqual(created.Token, stored.TokenHash);
        Assert.Equal(64, stored.TokenHash.Length);
    }

    [Fact]
    public async Task RedeemAsync_SingleUseTokenTwice_SecondIsRejected()
    {
        var created = await _service.CreateAsync("shop", "cart", TimeSpan.FromHours(1), singleUse: true, CancellationToken.None);

        Assert.True((await _service.RedeemAsync(created.Token, CancellationToken.None)).IsValid);
        var second = await _service.RedeemAsync(created.Token, CancellationToken.None);

        Assert.False(second.IsValid);
        Assert.Contains("already used", second.FailureReason);
    }

    [Fact]
    public async Task RedeemAsync_SingleUseTokenConcurrently_ExactlyOneSucceeds()
    {
        var created = await _service.CreateAsync("shop", "cart", TimeSpan.FromHours(1), singleUse: true, CancellationToken.None);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => _service.RedeemAsync(created.Token, CancellationToken.None))));

        Assert.Single(results, r => r.IsValid);
    }

    [Fact]
    public async Task RedeemAsync_ExpiredToken_IsRejected()
    {
        var created = await _service.CreateAsync("shop", "cart", TimeSpan.FromMinutes(10), singleUse: false, CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(10));

        var result = await _service.RedeemAsync(created.Token, CancellationToken.None);

        Assert.False(result.IsValid);
        Assert.Contains("expired", result.FailureReason);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-token")]
    public async Task RedeemAsync_UnknownOrMissingToken_IsRejected(string? token)
    {
        Assert.False((await _service.RedeemAsync(token, CancellationToken.None)).IsValid);
    }

    [Theory]
    [InlineData("", "sa")]
    [InlineData("ns", "a/b")]
    public async Task CreateAsync_InvalidIdentity_Throws(string ns, string sa)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _service.CreateAsync(ns, sa, TimeSpan.FromHours(1), false, CancellationToken.None));
    }
}
