using Mesh.SimLlm.Admin;
using Mesh.SimLlm.Api;
using Mesh.SimLlm.Engine;
using Mesh.SimLlm.Failures;
using Mesh.SimLlm.Metrics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Mesh.SimLlm.Hosting;

internal static class SimLlmServiceCollectionExtensions
{
    /// <summary>The line printed once Kestrel has bound, so a caller that asked for port 0 learns the port.</summary>
    public const string ListeningPrefix = "simllm listening on ";

    public static IServiceCollection AddSimLlm(this IServiceCollection services, IConfiguration configuration)
    {
        var options = SimLlmOptions.Bind(configuration);
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(new SequenceScheduler(options.MaxNumSeqs, options.MaxQueue));
        services.AddSingleton(new PrefixCache(options.KvCacheBlocks));
        services.AddSingleton(new TimingModel(options));
        services.AddSingleton<EngineStats>();
        services.AddSingleton<SimEngine>();
        services.AddSingleton(new FailureSwitch(options.InitialFailure, options.Seed));
        services.AddSingleton<GenerationHandler>();
        services.AddSingleton<EmbeddingHandler>();
        return services;
    }

    public static WebApplication MapSimLlm(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<SimLlmOptions>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mesh.SimLlm");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            {
                Console.WriteLine(ListeningPrefix + address);
            }

            SimLlmLog.Ready(logger, options.Models, options.MaxNumSeqs, options.MaxQueue, options.KvCacheBlocks, options.TimeScale);
        });

        var generation = app.Services.GetRequiredService<GenerationHandler>();
        var chat = new ChatFormat();
        var completion = new TextCompletionFormat();
        app.MapPost("/v1/chat/completions", (HttpContext context) => generation.HandleAsync(context, chat, GenerationParsing.Chat));
        app.MapPost("/v1/completions", (HttpContext context) => generation.HandleAsync(context, completion, GenerationParsing.Completion));
        app.MapPost("/v1/embeddings", (HttpRequest request, EmbeddingHandler embeddings, CancellationToken cancellationToken) =>
            embeddings.HandleAsync(request, cancellationToken));
        app.MapGet("/v1/models", (TimeProvider time) => Results.Json(Models(options, time), OpenAiJsonContext.Default.ModelList));
        app.MapGet("/health", () => Results.Ok());
        app.MapMetrics();
        app.MapAdmin();
        return app;
    }

    private static ModelList Models(SimLlmOptions options, TimeProvider time)
    {
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        return new ModelList("list", options.ModelNames.Select(name => new ModelCard(name, "model", created, "simllm")).ToList());
    }
}
