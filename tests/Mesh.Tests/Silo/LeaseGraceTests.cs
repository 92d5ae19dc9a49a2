using System.Net;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Domains;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>
/// Leases that run out while PostgreSQL is down are not expired the moment it returns: their holders could not
/// renew. Uses its own database server because it stops it.
/// </summary>
public sealed class LeaseGraceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(40);
    private PostgresServer _postgres = null!;
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.LaunchAsync(allowExternal: false);
        var database = await _postgres.CreateDatabaseAsync("grace");
        _silo = await SiloProcess.StartAsync(database, "silo-grace", output,
            new Dictionary<string, string?> { ["Mesh__LeaseSweepGraceAfterOutage"] = "00:00:10" });
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    [Fact]
    public async Task LeaseExpiredDuringOutage_KeptForTheGrace_RenewedOneSurvives_UnrenewedOneExpires()
    {
        var renewed = await _silo.Admin.RegisterAsync(new EndpointRegistration { Service = "ratings", Address = "127.0.0.1", Port = 9301, TtlSeconds = 2 });
        var abandoned = await _silo.Admin.RegisterAsync(new EndpointRegistration { Service = "ratings", Address = "127.0.0.1", Port = 9302, TtlSeconds = 2 });
        var renewedKey = TestResources.EndpointKey("ratings", "127.0.0.1", 9301);
        var abandonedKey = TestResources.EndpointKey("ratings", "127.0.0.1", 9302);
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "grace-sub", Namespace = "default" });
        await subscriber.WaitForAsync(s => s.Has(renewedKey) && s.Has(abandonedKey), Deadline, "both endpoints");

        await _postgres.StopAsync();
        // Both leases run out while nobody can renew them.
        var expired = new[] { renewed.LeaseExpiresAt!.Value, abandoned.LeaseExpiresAt!.Value }.Max().AddSeconds(1);
        await Poll.UntilAsync(() => Task.FromResult(DateTimeOffset.UtcNow > expired ? (object?)true : null), Deadline, () => "the leases never ran out");
        await _postgres.StartAsync();
        await _silo.WaitReadyAsync(Deadline);

        // The database is back and both leases are past their expiry, yet both endpoints are still served.
        using (var get = await _silo.Admin.GetAsync($"/api/v1/namespaces/default/endpoints/{renewed.Name}"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        }

        Assert.True(subscriber.Has(renewedKey) && subscriber.Has(abandonedKey), "no removal may be pushed right after the outage");
        using (var renew = await _silo.Admin.PostAsJsonAsync("/api/v1/namespaces/default/endpoints/renew", new { names = new[] { renewed.Name }, ttlSeconds = 60 }))
        {
            var result = await renew.Content.ReadFromJsonAsync<Mesh.Silo.Api.LeaseRenewalResult>(MeshJson.Options);
            Assert.Empty(result!.Missing);
        }

        // After the grace the sweeper resumes: the abandoned lease goes, the renewed one stays.
        await subscriber.WaitForAsync(s => !s.Has(abandonedKey), Deadline, "the abandoned endpoint's removal after the grace");
        Assert.True(subscriber.Has(renewedKey), "the renewed endpoint must survive");
        using var kept = await _silo.Admin.GetAsync($"/api/v1/namespaces/default/endpoints/{renewed.Name}");
        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
    }
}
