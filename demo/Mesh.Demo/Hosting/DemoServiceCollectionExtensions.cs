using Mesh.Demo.Model;
using Mesh.Demo.Ranker;
using Mesh.Demo.Tokenizer;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.Demo.Hosting;

internal static class DemoServiceCollectionExtensions
{
    public const string MeshClient = "mesh";

    public static IServiceCollection AddDemo(this IServiceCollection services, IConfiguration configuration)
    {
        var options = DemoOptions.From(configuration);
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new HashedEmbedding(dimensions: 128));

        // The app knows nothing of the mesh except HTTP_PROXY, the standard variable every HTTP client honours.
        var proxy = Environment.GetEnvironmentVariable("HTTP_PROXY") ?? Environment.GetEnvironmentVariable("http_proxy");
        services.AddHttpClient(MeshClient, client => client.Timeout = TimeSpan.FromSeconds(30))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                UseProxy = proxy is not null,
                Proxy = proxy is null ? null : new System.Net.WebProxy(proxy),
            });

        if (options.Role == "model")
        {
            services.AddSingleton(ModelProfile.For(options.Version));
            services.AddSingleton(sp => NgramModel.Train(sp.GetRequiredService<ModelProfile>()));
            services.AddSingleton<FailureSwitch>();
        }
        else if (options.Role == "ranker")
        {
            services.AddSingleton<CandidateRanker>();
        }
        else if (options.Role == "tokenizer")
        {
            // The tokenizer also speaks gRPC (the standard health service), so the local mesh carries gRPC traffic too.
            services.AddGrpc();
            // With no check registered the library answers UNKNOWN; a started tokenizer is serving.
            services.AddGrpcHealthChecks().AddCheck("tokenizer", () => HealthCheckResult.Healthy());
        }

        return services;
    }

    public static WebApplication MapDemoRole(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<DemoOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mesh.Demo");
        if (options.Role == "model")
        {
            // Trained here, before the first request, so that start-up (not a caller) pays for it.
            var model = app.Services.GetRequiredService<NgramModel>();
            DemoLog.ModelTrained(logger, model.Profile.Version, model.Profile.Order, model.Profile.Temperature, model.Contexts, string.Join('+', model.Profile.Corpora));
        }

        app.Lifetime.ApplicationStarted.Register(() => DemoLog.Ready(logger, options.Role, options.Version));
        app.MapGet("/healthz", () => Results.Json(new { role = options.Role, version = options.Version }));
        _ = options.Role switch
        {
            "tokenizer" => app.MapTokenizer().MapTokenizerGrpc(),
            "model" => app.MapModel().MapProvider(),
            _ => app.MapRanker(),
        };
        return app;
    }
}
