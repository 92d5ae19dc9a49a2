using System.Net;
using Mesh.Contracts.Protocol;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>
/// PostgreSQL stopped under running silos. Uses its own database server (never the shared one) because it stops it.
/// </summary>
public sealed class SiloOutageTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private PostgresServer _postgres = null!;
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.LaunchAsync(allowExternal: false);
        var database = await _postgres.CreateDatabaseAsync("outage");
        _silo = await SiloProcess.StartAsync(database, "silo-outage", output);
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task PostgresStopped_WritesGet503_SubscribersKeepStream_AndSiloRecoversByItself()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("before"));
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "outage-sub", Namespace = "default" });
        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("before")), Deadline, "the snapshot");

        await _postgres.StopAsync();

        using (var refused = await _silo.Admin.PutAsync("/api/v1/namespaces/default/services/during",
                   System.Net.Http.Json.JsonContent.Create(TestResources.Service("during"), options: Contracts.Json.MeshJson.Options)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("store is unavailable", await refused.Content.ReadAsStringAsync());
        }

        using (var ready = await _silo.Admin.GetAsync("/readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }

        Assert.Null(subscriber.EndStatus);

        await _postgres.StartAsync();
        await _silo.WaitReadyAsync(Deadline);
        var written = await Poll.UntilAsync(async () =>
        {
            try
            {
                return await _silo.Admin.PutServiceAsync(TestResources.Service("after"));
            }
            catch (HttpRequestException)
            {
                return null;
            }
        }, Deadline, () => "writes never recovered after PostgreSQL restarted");

        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("after")), Deadline, "the write made after recovery");
        Assert.False(subscriber.Has(TestResources.ServiceKey("during")), "a refused write must leave nothing behind");
        Assert.True(written.Version > 0);
    }
}
