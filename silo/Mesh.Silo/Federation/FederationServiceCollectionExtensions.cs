namespace Mesh.Silo.Federation;

internal static class FederationServiceCollectionExtensions
{
    /// <summary>Peering with other silo clusters: tokens, the peering streams, exports and imports.</summary>
    public static IServiceCollection AddMeshFederation(this IServiceCollection services)
    {
        services.AddSingleton<ClusterIdentityProvider>();
        services.AddSingleton<ExportBuilder>();
        services.AddSingleton<ImportWriter>();
        services.AddSingleton<PeerSession>();
        services.AddSingleton<PeerDialer>();
        services.AddSingleton<PeeringService>();
        services.AddHostedService<FederationKeeper>();
        return services;
    }
}
