using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres;
using Mesh.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Tests.Storage;

/// <summary>The store contract against a real PostgreSQL, one fresh database per test.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresMeshStoreTests(PostgresFixture postgres) : MeshStoreContractTests
{
    protected override async Task<IMeshStore> CreateStoreAsync()
    {
        var store = Create(await postgres.CreateDatabaseAsync("contract", Ct));
        await store.InitializeAsync(Ct);
        return store;
    }

    internal static PostgresMeshStore Create(string connectionString, int maxBatchSize = 512) =>
        new(new PostgresStoreOptions { ConnectionString = connectionString, MaxBatchSize = maxBatchSize }, TimeProvider.System, NullLogger<PostgresMeshStore>.Instance);
}
