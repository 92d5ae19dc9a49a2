using System.Net;
using Grpc.Core;
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
    [InlineData(null, "a bearer token is required")]
    [InlineData("not-a-known-token", "the bearer token is not valid")]
    public async Task Subscribe_WithoutValidToken_UnauthenticatedBeforeAnyResponse(string? token, string expected)
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("secret"));
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "intruder" }, token: token);

        var status = await subscriber.WaitForEndAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(StatusCode.Unauthenticated, status.StatusCode);
        Assert.Contains(expected, status.Detail);
        Assert.Equal(0, subscriber.InitialResponses);
        Assert.Empty(subscriber.Resources);
        Assert.DoesNotContain(token ?? "\0", status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_WithAdminToken_Allowed()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "admin-sidecar" }, token: SiloProcess.AdminToken);
        await subscriber.WaitForAsync(s => s.InitialResponses == 1, TimeSpan.FromSeconds(15), "the first response");
    }

    [Fact]
    public async Task Subscribe_WithReadOnlyToken_GetsResources()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "reader-sidecar" }, token: SiloProcess.ReadOnlyToken);
        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("reviews")), TimeSpan.FromSeconds(15), "the first response with reviews");
    }
}
