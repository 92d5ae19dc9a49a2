using System.Diagnostics;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Silo.Health;
using Mesh.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>A real silo probing a real upstream that flaps: damping must keep the revisions bounded.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FlapDampingTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Probe_UpstreamFlappingEvery200ms_RevisionsBoundedByDampingNotByFlaps()
    {
        var database = await postgres.CreateDatabaseAsync("flap");
        await using var cluster = await HealthCluster.StartAsync(database, output, silos: 1);
        // Thresholds of one, so every flap the probes see is a raw transition.
        await cluster.Admin.PutServiceAsync(HealthCluster.Service("flappy", HealthCluster.Http(interval: "100ms", healthy: 1, unhealthy: 1)));
        var (upstream, endpoint) = (await cluster.AddEndpointsAsync("flappy", 1))[0];
        var clock = Stopwatch.StartNew();
        upstream.StatusFor = () => (long)clock.Elapsed.TotalMilliseconds / 200 % 2 == 0 ? 200 : 503;

        await Poll.UntilTrueAsync(() => Task.FromResult(upstream.Served(200) >= 15 && upstream.Served(503) >= 15), Deadline,
            () => $"the upstream did not flap enough: {upstream.Served(200)} OK, {upstream.Served(503)} failing");

        var damping = new DampingOptions();
        var allowed = (int)(damping.SuppressLimit / damping.Penalty) + 1;
        var healthChanges = await ChangesAsync(database, endpoint.Name) - 1;
        output.WriteLine($"{upstream.Probes} probes ({upstream.Served(503)} failing), {healthChanges} health revisions, bound {allowed}");
        Assert.InRange(healthChanges, 1, allowed);
        // Still flapping, so still held Unhealthy by the damping.
        var view = await cluster.Admin.GetFromJsonAsync<EndpointView>($"/api/v1/namespaces/default/endpoints/{endpoint.Name}", MeshJson.Options);
        Assert.Equal(EndpointHealth.Unhealthy, view!.Health);
    }

    /// <summary>Revisions that touched the endpoint, read from the change log (its registration is the first).</summary>
    private static async Task<int> ChangesAsync(string database, string name)
    {
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*)::int FROM mesh_changes WHERE kind = 'Endpoint' AND name = @name", connection);
        command.Parameters.AddWithValue("name", name);
        return (int)(await command.ExecuteScalarAsync())!;
    }
}
