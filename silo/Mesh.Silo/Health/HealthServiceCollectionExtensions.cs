namespace Mesh.Silo.Health;

internal static class HealthServiceCollectionExtensions
{
    /// <summary>Registers the partition keeper, probing and health writes (unless <c>Mesh:Health:Enabled</c> is false).</summary>
    public static IServiceCollection AddMeshHealth(this IServiceCollection services, SiloOptions options)
    {
        services.AddSingleton<ShardOwnership>();
        var health = options.Health;
        if (health.Shards is < 1 or > 65536)
        {
            throw new InvalidOperationException($"Mesh:Health:Shards is {health.Shards}; it must be 1..65536");
        }

        if (health.PartitionCheckInterval < TimeSpan.FromMilliseconds(100))
        {
            throw new InvalidOperationException($"Mesh:Health:PartitionCheckInterval is {health.PartitionCheckInterval}; it must be at least 100 ms");
        }

        services.AddSingleton<HealthPartitionKeeper>();
        if (!health.Enabled)
        {
            return services;
        }

        services.AddHttpClient(Prober.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // Probes reuse connections like any client, but recycle them so DNS and endpoint changes are seen.
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
                MaxConnectionsPerServer = 4,
                AllowAutoRedirect = false,
                UseProxy = false,
                UseCookies = false,
            });
        services.AddSingleton<HealthMetrics>();
        services.AddSingleton<Prober>();
        services.AddSingleton<HealthWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<HealthWriter>());
        services.AddSingleton<HealthChecker>();
        services.AddHostedService(sp => sp.GetRequiredService<HealthChecker>());
        return services;
    }

    /// <summary>The silo side of health partitions: their placement.</summary>
    public static ISiloBuilder AddMeshHealthPartitions(this ISiloBuilder silo) =>
        silo.AddPlacementDirector<HealthPartitionPlacement, HealthPartitionPlacementDirector>();
}
