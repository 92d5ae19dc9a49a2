using Mesh.Storage;
using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;
using Mesh.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Tests.Storage;

public sealed class MeshStorageServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddMeshStorage_ConnectionString_RegistersPostgresStore()
    {
        await using var services = new ServiceCollection()
            .AddMeshStorage("Host=127.0.0.1;Port=1;Username=postgres;Database=unused")
            .BuildServiceProvider();

        Assert.IsType<PostgresMeshStore>(services.GetRequiredService<IMeshStore>());
        Assert.Equal("Host=127.0.0.1;Port=1;Username=postgres;Database=unused", services.GetRequiredService<PostgresStoreOptions>().ConnectionString);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task AddMeshStorage_NoConnectionString_RegistersInMemoryStore(string? connectionString)
    {
        await using var services = new ServiceCollection().AddMeshStorage(connectionString).BuildServiceProvider();

        Assert.IsType<InMemoryMeshStore>(services.GetRequiredService<IMeshStore>());
    }
}
