using Mesh.Security.Identity;
using Mesh.Security.JoinTokens;

namespace Mesh.Silo.Certificates;

internal static class CertificatesServiceCollectionExtensions
{
    /// <summary>The built-in CA: bootstrap, shared root state, trust bundle publication, join tokens, request authentication.</summary>
    public static IServiceCollection AddMeshCertificates(this IServiceCollection services)
    {
        services.AddSingleton<TrustBundlePublisher>();
        services.AddSingleton<CertificateAuthorityService>();
        services.AddSingleton<Contracts.Domains.ICertificateAuthority>(sp => sp.GetRequiredService<CertificateAuthorityService>());
        services.AddHostedService<CaBootstrapper>();
        services.AddSingleton<IJoinTokenStore, StoreJoinTokenStore>();
        services.AddSingleton<JoinTokenService>();
        services.AddSingleton<PeerCertificateValidator>();
        services.AddSingleton<CertificateRequestAuthenticator>();
        return services;
    }
}
