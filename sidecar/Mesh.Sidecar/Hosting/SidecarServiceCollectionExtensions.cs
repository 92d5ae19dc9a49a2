using Mesh.Contracts.Protocol;
using Mesh.Routing;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Listeners;
using Mesh.Sidecar.Proxy;
using Mesh.Sidecar.Registration;
using Mesh.Sidecar.Security;
using Mesh.Sidecar.State;
using Mesh.Sidecar.Subscription;
using Mesh.Sidecar.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Sidecar.Hosting;

internal static class SidecarServiceCollectionExtensions
{
    /// <summary>
    /// Publishes where this sidecar's admin port is (label <c>mesh.dev/admin</c>), so <c>meshctl proxy-config ID</c>
    /// can fetch its acknowledged configuration knowing only the id.
    /// </summary>
    private static Dictionary<string, string> WithAdminAddress(SidecarOptions options)
    {
        var labels = new Dictionary<string, string>(options.Labels);
        if (options.AdminPort > 0)
        {
            labels["mesh.dev/admin"] = $"http://{(options.Address.Contains(':', StringComparison.Ordinal) ? $"[{options.Address}]" : options.Address)}:{options.AdminPort}";
        }

        return labels;
    }

    /// <summary>Everything the sidecar runs on. The <see cref="Routing.IProxyConfigCompiler"/> comes from the routing library.</summary>
    public static IServiceCollection AddSidecar(this IServiceCollection services, SidecarOptions options)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(new NodeInfo
        {
            Id = options.Id,
            Namespace = options.Namespace,
            Service = options.Service,
            Labels = WithAdminAddress(options),
            Zone = options.Zone,
            Dependencies = options.Dependencies,
        });
        services.AddHttpForwarder();
        services.AddSingleton<Gateway.GatewayCertificates>();

        services.AddSingleton(new StateFile(options.StateFile));
        services.AddSingleton<SharedStateRegistry>();
        services.AddSingleton<RuntimeConfigBuilder>();
        services.AddSingleton<ProxyConfigHolder>();
        services.AddSingleton<ConfigApplier>();
        services.AddMeshRouting();

        services.AddSingleton<UpstreamClient>();
        services.AddSingleton<UpstreamForwarder>();
        services.AddSingleton<MirrorSender>();
        services.AddSingleton<OutboundProxy>();
        services.AddSingleton<UnknownHostPolicy>();
        services.AddSingleton<Inference.InferenceBodyInspector>();
        services.AddHostedService<Inference.ModelServerScraper>();
        services.AddSingleton<TokenBudgetClient>();
        services.AddSingleton<Inference.TokenLimiter>();
        services.AddHostedService<Inference.IdleSliceReturner>();
        services.AddSingleton<InboundProxy>();
        services.AddSingleton<InboundTargets>();
        services.AddSingleton<Connections.OutboundConnectionProxy>();
        services.AddSingleton<Connections.InboundConnectionRelay>();
        services.AddSingleton<Connections.ConnectionListeners>();
        services.AddHostedService(sp => sp.GetRequiredService<Connections.ConnectionListeners>());

        services.AddSidecarTracing(options);
        services.AddSingleton<IstioMetrics>();
        services.AddSingleton<TrafficAggregator>();
        services.AddSingleton<TcpTrafficReader>();
        services.AddSingleton<LocalWorkload>();
        services.AddSingleton<AccessLog>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLog>());
        services.AddSingleton<RequestTelemetry>();

        services.AddSingleton<ListenerPorts>();
        services.AddSingleton<AdminEndpoints>();
        services.AddSingleton<ListenerDispatcher>();

        services.AddSingleton<OutlierReporter>();
        services.AddSingleton<TrafficReporter>();
        services.AddSingleton<SubscriptionClient>();
        services.AddHostedService(sp => sp.GetRequiredService<SubscriptionClient>());
        services.AddSingleton<Security.SiloTrust>();
        services.AddSingleton<SiloApiClient>();
        services.AddSingleton<EndpointRegistrar>();
        services.AddSidecarSecurity();
        services.AddHostedService(sp => sp.GetRequiredService<EndpointRegistrar>());
        return services;
    }
}
