namespace Mesh.Silo.Traffic;

internal static class TrafficServiceCollectionExtensions
{
    /// <summary>Live traffic: subscribers' reports collected per silo and forwarded to the cluster's traffic grain.</summary>
    public static IServiceCollection AddMeshTraffic(this IServiceCollection services)
    {
        services.AddSingleton<TrafficCollector>();
        services.AddSingleton<ExternalHostsSource>();
        services.AddHostedService<TrafficForwarder>();
        return services;
    }
}
