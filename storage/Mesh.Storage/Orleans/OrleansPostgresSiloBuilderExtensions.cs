using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Mesh.Storage.Orleans;

/// <summary>Runs an Orleans silo on the Mesh PostgreSQL database through Orleans' ADO.NET providers.</summary>
public static class OrleansPostgresSiloBuilderExtensions
{
    /// <summary>
    /// The ADO.NET invariant Orleans' providers are configured with; it selects Npgsql and the query rows the Mesh
    /// migrations install.
    /// </summary>
    public const string Invariant = "Npgsql";

    /// <summary>The name of the grain storage provider besides the default one.</summary>
    public const string StorageName = "mesh";

    /// <summary>
    /// Clustering (membership), grain storage (as the default provider and under the name "mesh") and reminders in the
    /// Mesh PostgreSQL database, invariant "Npgsql". The caller has already run the Mesh migrations.
    /// </summary>
    /// <param name="builder">The silo to configure.</param>
    /// <param name="connectionString">
    /// Npgsql connection string of the Mesh database, the same one the Mesh store takes. Never logged.
    /// </param>
    /// <returns>The same builder.</returns>
    /// <exception cref="ArgumentException"><paramref name="connectionString"/> is empty.</exception>
    public static ISiloBuilder UseMeshPostgres(this ISiloBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("The PostgreSQL connection string is empty", nameof(connectionString));
        }

        // One pool for the three providers, built like the Mesh store's. Registered through a factory because the
        // container disposes what it created, not instances handed to it.
        builder.Services.AddSingleton(_ => new OrleansDataSource(connectionString));

        builder.UseAdoNetClustering(options => options.Configure<OrleansDataSource>((o, source) =>
        {
            o.Invariant = Invariant;
            o.DataSource = source.Value;
        }));
        builder.AddAdoNetGrainStorageAsDefault(ConfigureStorage);
        builder.AddAdoNetGrainStorage(StorageName, ConfigureStorage);
        builder.UseAdoNetReminderService(options => options.Configure<OrleansDataSource>((o, source) =>
        {
            o.Invariant = Invariant;
            o.DataSource = source.Value;
        }));
        return builder;
    }

    private static void ConfigureStorage(OptionsBuilder<AdoNetGrainStorageOptions> options) =>
        options.Configure<OrleansDataSource>((o, source) =>
        {
            o.Invariant = Invariant;
            o.DataSource = source.Value;
        });
}
