using System.Net;
using System.Net.WebSockets;
using Mesh.Contracts.Protocol;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>With <c>Mesh:ProtectReads</c>, every read needs a token, and so does the subscription stream.</summary>
public sealed class ProtectedReadsTests(ITestOutputHelper output) : IAsyncLifetime
{
    private SiloProcess _silo = null!;

    public async Task InitializeAsync() =>
        _silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?> { ["Mesh__ProtectReads"] = "true" });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Reads_WithoutToken401_WithReadOnlyToken200()
    {
        using var anonymous = _silo.CreateClient(null);
        using var refused = await anonymous.GetAsync("/api/v1/services");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.ToString());

        using var reader = _silo.CreateClient(SiloProcess.ReadOnlyToken);
        using var allowed = await reader.GetAsync("/api/v1/services");
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-known-token")]
    public async Task Subscribe_WithoutValidToken_Refused401BeforeUpgrade(string? token)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        }

        var uri = new Uri($"ws://127.0.0.1:{_silo.Port}/api/v1/subscribe");
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Unauthorized, socket.HttpStatusCode);
        Assert.Equal("Bearer", Assert.Single(socket.HttpResponseHeaders!["WWW-Authenticate"]));
    }

    [Fact]
    public async Task Subscribe_WithReadOnlyToken_GetsSnapshot()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "reader-sidecar" }, token: SiloProcess.ReadOnlyToken);
        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("reviews")), TimeSpan.FromSeconds(15), "the snapshot with reviews");
    }
}
