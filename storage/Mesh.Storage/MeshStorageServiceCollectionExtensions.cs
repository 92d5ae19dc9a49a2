using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;
using Mesh.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Storage;

public static class MeshStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store: PostgreSQL when a connection string is given, otherwise the embedded in-memory store.
    /// The host still calls <see cref="IMeshStore.InitializeAsync"/> once at startup to apply migrations.
    /// </summary>
    public static IServiceCollection AddMeshStorage(this IServiceCollection services, string? postgresConnectionString) =>
        string.IsNullOrWhiteSpace(postgresConnectionString)
            ? services.AddMeshStorageCore<InMemoryMeshStore>()
            : services.AddMeshStorage(new PostgresStoreOptions { ConnectionString = postgresConnectionString });

    /// <summary>Registers the PostgreSQL store with explicit options.</summary>
    public static IServiceCollection AddMeshStorage(this IServiceCollection services, PostgresStoreOptions options)
    {
        services.TryAddSingleton(options);
        return services.AddMeshStorageCore<PostgresMeshStore>();
    }

    private static IServiceCollection AddMeshStorageCore<TStore>(this IServiceCollection services)
        where TStore : class, IMeshStore
    {
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IMeshStore, TStore>();
        return services;
    }
}
