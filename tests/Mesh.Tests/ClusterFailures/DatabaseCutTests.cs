using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Tests.Health;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Npgsql;
using Xunit.Abstractions;

namespace Mesh.Tests.ClusterFailures;

/// <summary>
/// One silo of two cut off from PostgreSQL while the other keeps it: each silo logs in as its own database role, and
/// the cut is that role losing LOGIN plus every backend of it terminated (what a network partition looks like to
/// the database). Shard-lease takeover assertions belong here once the health branch's leases are merged.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseCutTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static readonly Dictionary<string, string?> FastMembership = new()
    {
        ["Mesh__MemberHeartbeatInterval"] = "00:00:00.250",
        ["Mesh__MemberExpiry"] = "00:00:03",
        ["Mesh__ChangePollInterval"] = "00:00:00.250",
        ["Mesh__Health__LeaseDuration"] = "00:00:03",
    };

    [Fact]
    public async Task SiloCutFromDatabase_DeclaredDead_DataPlaneUnaffected_RejoinsWhenRestored()
    {
        var database = await postgres.CreateDatabaseAsync("db_cut");
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var roles = new[] { $"mesh_silo_a_{suffix}", $"mesh_silo_b_{suffix}" };
        await ExecuteAsync(database, $"CREATE ROLE {roles[0]} LOGIN SUPERUSER", $"CREATE ROLE {roles[1]} LOGIN SUPERUSER");
        try
        {
            await RunAsync(database, roles[1]);
        }
        finally
        {
            await ExecuteAsync(database, $"ALTER ROLE {roles[1]} LOGIN", $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename IN ('{roles[0]}', '{roles[1]}')");
            await ExecuteAsync(database, $"DROP ROLE IF EXISTS {roles[0]}", $"DROP ROLE IF EXISTS {roles[1]}");
        }

        async Task RunAsync(string connectionString, string cutRole)
        {
            await using var mesh = await MeshTestBed.StartAsync(output, silos: 0, postgres: connectionString);
            await using var siloA = await SiloProcess.StartAsync(As(connectionString, roles[0]), "silo-keeps-db", output, FastMembership);
            await using var siloB = await SiloProcess.StartAsync(As(connectionString, cutRole), "silo-cut", output, FastMembership);
            mesh.Silos.AddRange([siloA, siloB]);
            var client = await ClusterMesh.StartTrafficAsync(mesh, siloA, clientSilos: [siloB.BaseAddress.ToString().TrimEnd('/')]);
            await using var load = new LoadLoop(client.Proxy, "http://reviews:9080/");
            await load.WaitForMoreAsync(100);

            await ExecuteAsync(connectionString, $"ALTER ROLE {cutRole} NOLOGIN");
            await Poll.UntilTrueAsync(async () =>
            {
                await ExecuteAsync(connectionString, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{cutRole}'");
                return (await ClusterMesh.MembersAsync(siloA)).All(m => m.Id != "silo-cut");
            }, Deadline, () => "the cut silo was never declared dead by the other");

            // Its health-check shard leases run out and the silo that still has the database takes every shard.
            await Poll.UntilTrueAsync(async () => (await HealthCluster.ShardsAsync(siloA)).All(s => s.Owner == "silo-keeps-db"), Deadline,
                () => "the cut silo's shards were never taken over");

            using (var refused = await siloB.Admin.PutAsJsonAsync("/api/v1/namespaces/default/services/during-cut", TestResources.Service("during-cut"), MeshJson.Options))
            {
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            }

            await load.WaitForMoreAsync(200);

            await ExecuteAsync(connectionString, $"ALTER ROLE {cutRole} LOGIN");
            await Poll.UntilTrueAsync(async () => (await ClusterMesh.MembersAsync(siloA)).Any(m => m.Id == "silo-cut"), Deadline,
                () => "the restored silo never rejoined the membership table");
            await siloB.WaitReadyAsync(Deadline);
            await Poll.UntilTrueAsync(async () => (await HealthCluster.ShardsAsync(siloA)).Any(s => s.Owner == "silo-cut"), Deadline,
                () => "the restored silo never got its share of the shards back");
            await Poll.UntilAsync(async () =>
            {
                using var response = await siloB.Admin.PutAsJsonAsync("/api/v1/namespaces/default/services/after-cut", TestResources.Service("after-cut"), MeshJson.Options);
                return response.IsSuccessStatusCode ? "" : null;
            }, Deadline, () => "writes through the restored silo never succeeded");

            // A change written through the other silo reaches the restored silo's subscriber.
            await siloA.Admin.PutServiceAsync(TestResources.Service("after-rejoin"));
            await client.WaitForRevisionAsync(await siloA.StoreRevisionAsync(), Deadline);
            await Poll.UntilTrueAsync(async () => (await ClusterMesh.SubscribersAsync(siloA)).Any(s => s.Id == "productpage" && s.SiloId == "silo-cut"), Deadline,
                () => "the restored silo's subscriber never reappeared in the subscriber table");
            await load.StopAsync();

            Assert.Empty(load.Failures);
        }
    }

    private static string As(string connectionString, string role) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Username = role }.ConnectionString;

    private static async Task ExecuteAsync(string connectionString, params string[] statements)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        foreach (var sql in statements)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
