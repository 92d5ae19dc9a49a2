using Mesh.Security.Identity;
using Mesh.Security.Jwt;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Security;

internal static class SecurityServiceCollectionExtensions
{
    /// <summary>Workload identity, mTLS both ways, and inbound JWT and authorization enforcement.</summary>
    public static IServiceCollection AddSidecarSecurity(this IServiceCollection services)
    {
        services.AddSingleton(sp => new PeerCertificateValidator(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<CertificateStore>();
        services.AddSingleton<SvidClient>();
        services.AddSingleton<CertificateRotator>();
        services.AddHostedService(sp => sp.GetRequiredService<CertificateRotator>());
        services.AddSingleton<IJwksSource>(sp => new JwksCache(
            new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(3) }),
            sp.GetRequiredService<TimeProvider>(), new JwksCacheOptions(), sp.GetRequiredService<ILogger<JwksCache>>()));
        services.AddSingleton<SecurityConfig>();
        services.AddSingleton<InboundTls>();
        services.AddSingleton<InboundGuard>();
        services.AddSingleton<MeshTlsConnector>();
        services.AddSingleton<TlsOriginator>();
        services.AddSingleton<CredentialCache>();
        services.AddHostedService(sp => sp.GetRequiredService<CredentialCache>());
        services.AddSingleton<CertificateAdmin>();
        return services;
    }
}
