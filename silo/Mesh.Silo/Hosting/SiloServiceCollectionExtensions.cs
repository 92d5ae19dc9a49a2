using Mesh.Silo.Traffic;
using Mesh.Contracts.Cluster;
using Mesh.Silo.Api;
using Mesh.Silo.Cache;
using Mesh.Silo.Certificates;
using Mesh.Silo.Cluster;
using Mesh.Silo.Federation;
using Mesh.Silo.Health;
using Mesh.Silo.Observability;
using Mesh.Silo.Policy;
using Mesh.Silo.Registry;
using Mesh.Silo.Subscriptions;
using Mesh.Storage;
using Mesh.Telemetry;

namespace Mesh.Silo;

internal static class SiloServiceCollectionExtensions
{
    /// <summary>Registers everything a silo runs: store, cache, change feed, subscriptions, registry, policy, maintenance.</summary>
    public static WebApplicationBuilder AddMeshSilo(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection("Mesh").Get<SiloOptions>() ?? new SiloOptions();
        options = options with
        {
            SiloId = string.IsNullOrEmpty(options.SiloId) ? $"silo-{Environment.MachineName.ToLowerInvariant()}-{Guid.NewGuid():N}"[..32] : options.SiloId,
            Postgres = options.Postgres ?? Environment.GetEnvironmentVariable("MESH_POSTGRES"),
        };

        var urls = builder.TakeUrls();
        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => new SiloIdentity(
            options.SiloId,
            options.AdvertisedAddress ?? string.Join(",", urls),
            sp.GetRequiredService<TimeProvider>().GetUtcNow()));
        services.AddMeshStorage(options.Postgres);
        builder.AddMeshOrleans(options);

        services.AddSingleton<ResourceCache>();
        services.AddSingleton<ChangeFeedService>();
        services.AddHostedService(sp => sp.GetRequiredService<ChangeFeedService>());
        services.AddSingleton<ResourceWriter>();
        services.AddSingleton<ChangeNotifier>();
        services.AddSingleton<IChangeAnnouncer>(sp => sp.GetRequiredService<ChangeNotifier>());
        services.AddHostedService<ChangeRelayHost>();

        services.AddMeshSubscriptions(options);

        services.AddSingleton<ServiceRegistry>();
        services.AddSingleton<Mesh.Contracts.Domains.IServiceRegistry>(sp => sp.GetRequiredService<ServiceRegistry>());
        services.AddSingleton<Mesh.Contracts.Domains.IEndpointHealth>(sp => sp.GetRequiredService<ServiceRegistry>());
        services.AddSingleton<IResourceValidator, IstioResourceValidator>();
        services.AddSingleton<OwnerCalls>();
        services.AddSingleton<PolicyStore>();
        services.AddSingleton<Mesh.Contracts.Domains.IPolicyStore>(sp => sp.GetRequiredService<PolicyStore>());
        services.AddSingleton<PolicyLikeReads>();
        services.AddSingleton<AdminAuthorization>();
        services.AddAdminJwt(options.AdminJwt);
        services.AddMeshCertificates(options);

        services.AddHostedService<DeadSiloCleanup>();
        services.AddHostedService<ActivationKeeper>();
        services.AddHostedService<CompactionService>();
        services.AddMeshHealth(options);
        services.AddMeshGracefulShutdown();
        services.AddMeshTraffic();
        services.AddMeshFederation();

        services.AddSingleton<SiloMetrics>();
        services.AddPrometheusExporter(SiloMetrics.MeterName);
        services.AddSiloOpenTelemetry(options);
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.DefaultIgnoreCondition = Contracts.Json.MeshJson.Options.DefaultIgnoreCondition;
            json.SerializerOptions.Encoder = Contracts.Json.MeshJson.Options.Encoder;
            json.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // Orleans logs every placement and membership step at Information, and its Polly pipelines every attempt.
        builder.Logging.AddFilter("Orleans", LogLevel.Warning);
        builder.Logging.AddFilter("Polly", LogLevel.Warning);
        services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.ConfigureSiloKestrel(options, urls);
        return builder;
    }
}
