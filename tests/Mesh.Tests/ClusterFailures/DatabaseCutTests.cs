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
/// the database). Orleans judges liveness by silos probing each other directly, not by the database, so the cut silo
/// stays a member (it is alive and reachable); what it cannot do is write, so its writes answer 503.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DatabaseCutTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    private static readonly Dictionary<string, string?> FastMembership = new()
    {
        ["Mesh__ChangePollInterval"] = "00:00:00.250",
        ["Mesh__Health__PartitionCheckInterval"] = "00:00:00.500",
    };

    [Fact]
    public async Task SiloCutFromDatabase_StaysMemberWritesRefused_DataPlaneUnaffected_RecoversWhenRestored()
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
                using var probe = await siloB.Admin.GetAsync("/readyz");
                return !probe.IsSuccessStatusCode;
            }, Deadline, () => "the cut silo never noticed it lost the database");
            Assert.Contains(await ClusterMesh.MembersAsync(siloA), m => m.Id == "silo-cut" && m.Status == "Active");

            // A write goes to the grain that owns its service. Through the cut silo, one whose owner is on the cut silo
            // is refused with a 503; one whose owner is on the silo that still has the database is stored there.
            var ownedHere = await OwnedOnAsync([siloB, siloA], "during-cut", "silo-cut")
                ?? throw new InvalidOperationException("no registry grain was placed on the cut silo in 100 tries");
            using (var refused = await siloB.Admin.PutAsJsonAsync($"/api/v1/namespaces/default/services/{ownedHere}", TestResources.Service(ownedHere), MeshJson.Options))
            {
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            }

            // Orleans chooses where a new owner goes, so there may be none on the other silo; when there is, the write
            // through the cut silo is stored, not refused.
            if (await OwnedOnAsync([siloA, siloB], "stored-during-cut", "silo-keeps-db") is { } ownedThere)
            {
                using (var stored = await siloB.Admin.PutAsJsonAsync($"/api/v1/namespaces/default/services/{ownedThere}", TestResources.Service(ownedThere), MeshJson.Options))
                {
                    Assert.Equal(System.Net.HttpStatusCode.OK, stored.StatusCode);
                }

                using var read = await siloA.Admin.GetAsync($"/api/v1/namespaces/default/services/{ownedThere}");
                Assert.Equal(System.Net.HttpStatusCode.OK, read.StatusCode);
            }
            else
            {
                output.WriteLine("no registry grain was placed on silo-keeps-db; only the refusal was checked");
            }

            using (var absent = await siloA.Admin.GetAsync($"/api/v1/namespaces/default/services/{ownedHere}"))
            {
                Assert.Equal(System.Net.HttpStatusCode.NotFound, absent.StatusCode);
            }

            await load.WaitForMoreAsync(200);

            await ExecuteAsync(connectionString, $"ALTER ROLE {cutRole} LOGIN");
            await siloB.WaitReadyAsync(Deadline);
            await Poll.UntilTrueAsync(async () =>
            {
                var partitions = await HealthCluster.ShardsAsync(siloA);
                return partitions.All(s => s.Owner is not null) && partitions.Any(s => s.Owner == "silo-cut");
            }, Deadline, () => "the health partitions were not all active again, with the restored silo's share on it");
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

    /// <summary>A service name, with <paramref name="prefix"/>, whose registry grain Orleans placed on <paramref name="siloId"/>; null if none in 100 tries.</summary>
    private static async Task<string?> OwnedOnAsync(SiloProcess[] via, string prefix, string siloId)
    {
        for (var i = 0; i < 100; i++)
        {
            var name = $"{prefix}-{i}";
            var owner = await via[i % via.Length].Admin.GetFromJsonAsync<Mesh.Silo.Api.ServiceOwnerView>($"/api/v1/namespaces/default/services/{name}/owner", MeshJson.Options);
            if (owner!.Silo == siloId)
            {
                return name;
            }
        }

        return null;
    }
}
