using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;
using Mesh.Storage.Postgres;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Storage;

public static class MeshStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store and the CA store: PostgreSQL when a connection string is given, otherwise the embedded in-memory ones.
    /// The host still calls <see cref="IMeshStore.InitializeAsync"/> once at startup to apply migrations.
    /// </summary>
    public static IServiceCollection AddMeshStorage(this IServiceCollection services, string? postgresConnectionString) =>
        string.IsNullOrWhiteSpace(postgresConnectionString)
            ? services.AddMeshStorageCore<InMemoryMeshStore, InMemoryCaStore>()
            : services.AddMeshStorage(new PostgresStoreOptions { ConnectionString = postgresConnectionString });

    /// <summary>Registers the PostgreSQL store with explicit options.</summary>
    public static IServiceCollection AddMeshStorage(this IServiceCollection services, PostgresStoreOptions options)
    {
        services.TryAddSingleton(options);
        return services.AddMeshStorageCore<PostgresMeshStore, PostgresCaStore>();
    }

    private static IServiceCollection AddMeshStorageCore<TStore, TCaStore>(this IServiceCollection services)
        where TStore : class, IMeshStore, IOutlierReportStore
        where TCaStore : class, ICaStore
    {
        services.AddSingleton<ICaStore, TCaStore>();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TStore>();
        services.AddSingleton<IMeshStore>(sp => sp.GetRequiredService<TStore>());
        services.AddSingleton<IOutlierReportStore>(sp => sp.GetRequiredService<TStore>());
        return services;
    }
}
