using Mesh.Security.Identity;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Mesh.Security.JoinTokens;

namespace Mesh.Silo.Certificates;

internal static class CertificatesServiceCollectionExtensions
{
    /// <summary>The built-in CA: bootstrap, shared root state, trust bundle publication, join tokens, request authentication, namespace credentials.</summary>
    public static IServiceCollection AddMeshCertificates(this IServiceCollection services, SiloOptions options)
    {
        services.AddSingleton<TrustBundlePublisher>();
        services.AddSingleton<CertificateAuthorityService>();
        services.AddSingleton<Contracts.Domains.ICertificateAuthority>(sp => sp.GetRequiredService<CertificateAuthorityService>());
        services.AddHostedService<CaBootstrapper>();
        services.AddHostedService<CaPruner>();
        services.AddSingleton<IJoinTokenStore, StoreJoinTokenStore>();
        services.AddSingleton<JoinTokenService>();
        services.AddSingleton<PeerCertificateValidator>();
        services.AddSingleton<CertificateRequestAuthenticator>();
        services.AddSingleton<Credentials.CredentialService>();
        if (options.Tls.SelfIssued)
        {
            services.AddSingleton<ServingCertificateProvider>();
            services.AddHostedService(sp => sp.GetRequiredService<ServingCertificateProvider>());
        }

        services.AddOptions<KestrelServerOptions>().Configure<IServiceProvider>((kestrel, provider) => kestrel.ConfigureHttpsDefaults(https =>
        {
            if (options.Tls.SelfIssued)
            {
                var serving = provider.GetRequiredService<ServingCertificateProvider>();
                https.ServerCertificateSelector = (_, _) => serving.Current;
            }

            if (options.Tls.AcceptClientCertificates)
            {
                // Optional, and accepted at the TLS layer: the certificates API validates it against the trust
                // bundle itself, and nothing else trusts a client certificate.
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = (_, _, _) => true;
            }
        }));
        return services;
    }
}
