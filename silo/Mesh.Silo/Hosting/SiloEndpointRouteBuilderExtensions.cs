using Mesh.Silo.Api;
using Mesh.Silo.Cache;
using Mesh.Silo.Dashboard;
using Mesh.Silo.Observability;
using Mesh.Silo.Subscriptions;
using Mesh.Silo.Traffic;
using Mesh.Storage.Abstractions;
using Mesh.Telemetry;

namespace Mesh.Silo;

internal static class SiloEndpointRouteBuilderExtensions
{
    /// <summary>Maps the admin API, the gRPC subscription service (with reflection), health, metrics and OpenAPI.</summary>
    public static WebApplication MapMeshSilo(this WebApplication app)
    {
        app.UseMiddleware<ApiExceptionMiddleware>();
        // The exporter must listen before the first measurement, or early writes are never counted.
        _ = app.Services.GetRequiredService<PrometheusExporter>();
        _ = app.Services.GetRequiredService<SiloMetrics>();

        var api = app.MapGroup("/api/v1").RequireApiRole(ApiRole.ReadOnly);
        var writes = app.MapGroup("/api/v1").RequireApiRole(ApiRole.Admin);
        api.MapRegistryApi(writes);
        api.MapResourcesApi(writes);
        api.MapClusterApi();
        api.MapShardsApi();
        api.MapTrafficApi();
        var open = app.MapGroup("/api/v1");
        api.MapCertificatesApi(writes, open);
        api.MapCredentialsApi(writes, open);
        api.MapPeeringApi(writes);
        app.MapGrpcService<DiscoveryService>();
        app.MapGrpcService<Federation.FederationService>();
        app.MapGrpcService<Budgets.TokenBudgetService>();
        app.MapGrpcReflectionService();

        app.MapGet("/healthz", () => Results.Text("ok")).ExcludeFromDescription();
        app.MapGet("/readyz", async (IMeshStore store, ResourceCache cache, Certificates.CertificateAuthorityService ca, CancellationToken ct) =>
        {
            if (cache.IsLoaded && !ca.Started)
            {
                return Results.Text("not ready: the certificate authority is starting", statusCode: 503);
            }

            var ready = cache.IsLoaded && await IsStoreReadyAsync(store, ct);
            return ready ? Results.Text("ready") : Results.Text("not ready: store unreachable or migrations not applied", statusCode: 503);
        }).ExcludeFromDescription();
        app.MapPrometheusMetrics();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapDashboard();
        return app;
    }

    private static async Task<bool> IsStoreReadyAsync(IMeshStore store, CancellationToken cancellationToken)
    {
        try
        {
            return await store.IsReadyAsync(cancellationToken);
        }
        catch (StoreUnavailableException)
        {
            return false;
        }
    }
}
