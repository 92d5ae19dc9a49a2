using Mesh.Storage.Postgres.Migrations;
using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Storage.Orleans;

[Collection(PostgresCollection.Name)]
public sealed class OrleansPostgresMigrationsTests(PostgresFixture postgres) : OrleansPostgresTestBase(postgres)
{
    // Every key the three providers look up at start; a missing one makes a silo fail to start.
    private static readonly string[] ProviderQueryKeys =
    [
        "InsertMembershipVersionKey", "UpdateIAmAlivetimeKey", "InsertMembershipKey", "UpdateMembershipKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey",
        "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey", "DeleteStorageKey",
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task MigrateAsync_EmptyDatabase_CreatesOrleansTablesAndEveryProviderQuery()
    {
        foreach (var table in new[] { "orleansquery", "orleansmembershipversiontable", "orleansmembershiptable", "orleansstorage", "orleansreminderstable" })
        {
            Assert.True(await ScalarAsync<bool>("SELECT to_regclass(@name) IS NOT NULL", ("name", table)), $"table {table} missing");
        }

        var keys = await ScalarAsync<string[]>("SELECT array_agg(QueryKey ORDER BY QueryKey) FROM OrleansQuery");
        Assert.Equal(ProviderQueryKeys.Order(StringComparer.Ordinal), keys);
    }

    [Fact]
    public async Task MigrateAsync_RunAgain_IsNoOp()
    {
        var before = await ScalarAsync<long>("SELECT count(*) FROM mesh_schema_migrations");

        await OrleansTestSilo.MigrateAsync(Database, Ct);

        Assert.Equal(PostgresMigrator.Embedded.Count, before);
        Assert.Equal(before, await ScalarAsync<long>("SELECT count(*) FROM mesh_schema_migrations"));
        Assert.Equal(ProviderQueryKeys.Length, await ScalarAsync<long>("SELECT count(*) FROM OrleansQuery"));
    }
}
