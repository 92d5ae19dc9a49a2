using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Telemetry;

public static class PrometheusEndpointExtensions
{
    /// <summary>Registers a <see cref="PrometheusExporter"/> for the named meters.</summary>
    public static IServiceCollection AddPrometheusExporter(this IServiceCollection services, params string[] meterNames) =>
        services.AddSingleton(_ => new PrometheusExporter(meterNames));

    /// <summary>Serves the exporter's text at <paramref name="path"/>.</summary>
    public static IEndpointConventionBuilder MapPrometheusMetrics(this IEndpointRouteBuilder endpoints, string path = "/metrics") =>
        endpoints.MapGet(path, static context =>
        {
            var exporter = context.RequestServices.GetRequiredService<PrometheusExporter>();
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            return context.Response.WriteAsync(exporter.Render(), context.RequestAborted);
        }).ExcludeFromDescription();
}
