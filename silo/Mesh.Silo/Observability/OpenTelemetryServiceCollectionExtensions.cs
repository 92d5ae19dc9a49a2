using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.Silo.Observability;

internal static class OpenTelemetryServiceCollectionExtensions
{
    /// <summary>
    /// With <c>Mesh:OtlpEndpoint</c>: spans of the admin API's requests and of Orleans grain calls, and the silo's own
    /// metrics (<see cref="SiloMetrics"/>, recorded through System.Diagnostics.Metrics), exported over OTLP/HTTP.
    /// </summary>
    public static IServiceCollection AddSiloOpenTelemetry(this IServiceCollection services, SiloOptions options)
    {
        if (options.OtlpEndpoint is not { } endpoint)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: "mesh-silo", serviceInstanceId: options.SiloId))
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddOtlpExporter(otlp => Configure(otlp, endpoint, "/v1/traces")))
            .WithMetrics(metrics => metrics
                .AddMeter(SiloMetrics.MeterName)
                .AddOtlpExporter(otlp => Configure(otlp, endpoint, "/v1/metrics")));
        return services;
    }

    private static void Configure(OtlpExporterOptions otlp, Uri endpoint, string signalPath)
    {
        otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
        otlp.Endpoint = Mesh.Telemetry.OtlpEndpoints.For(endpoint, signalPath);
    }
}
