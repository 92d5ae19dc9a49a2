using Mesh.Sidecar.Hosting;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.Sidecar.Telemetry;

internal static class TracingServiceCollectionExtensions
{
    /// <summary>
    /// With <c>--otlp-endpoint</c>, the spans of <see cref="TraceContext.Source"/> (one per proxied request, inbound
    /// and outbound, in the caller's trace) go to an OpenTelemetry collector over OTLP/HTTP. Without it nothing
    /// listens to the source, so requests create no span objects at all.
    /// </summary>
    public static IServiceCollection AddSidecarTracing(this IServiceCollection services, SidecarOptions options)
    {
        if (options.OtlpEndpoint is not { } endpoint)
        {
            return services;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource
                .AddService(serviceName: options.App, serviceNamespace: options.Namespace, serviceVersion: options.Version, serviceInstanceId: options.Id)
                .AddAttributes([new("k8s.namespace.name", options.Namespace), new("mesh.workload", options.Workload)]))
            .WithTracing(tracing => tracing
                .AddSource(TraceContext.Source.Name)
                .AddOtlpExporter(otlp =>
                {
                    otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
                    otlp.Endpoint = Mesh.Telemetry.OtlpEndpoints.For(endpoint, "/v1/traces");
                }));
        return services;
    }
}
