using System.Diagnostics;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Proxy;

/// <summary>Finishes a request: one metrics update, one access-log line, and the span closed with its status.</summary>
internal sealed class RequestTelemetry(IstioMetrics metrics, AccessLog accessLog, TimeProvider time)
{
    public TimeProvider Time => time;

    public void Complete(HttpContext context, bool inbound, long startTimestamp, in TraceContext trace, string flags,
        string destinationService, string serviceName, string serviceNamespace, EndpointRuntime? endpoint, string? route, string? cluster, int retries,
        string? localVersion = null, string? localWorkload = null)
    {
        var request = context.Request;
        var status = context.Response.StatusCode;
        var record = new RequestRecord
        {
            Inbound = inbound,
            StartTime = time.GetUtcNow() - time.GetElapsedTime(startTimestamp),
            Method = request.Method,
            Path = request.Path.Value ?? "/",
            Authority = request.Host.Value ?? "",
            Protocol = request.Protocol,
            StatusCode = status,
            ResponseFlags = flags,
            DurationMs = time.GetElapsedTime(startTimestamp).TotalMilliseconds,
            RequestBytes = request.ContentLength ?? 0,
            ResponseBytes = context.Response.ContentLength ?? 0,
            DestinationService = destinationService,
            DestinationServiceName = serviceName,
            DestinationNamespace = serviceNamespace,
            DestinationVersion = localVersion ?? endpoint?.Version ?? "unknown",
            DestinationWorkload = localWorkload ?? endpoint?.Workload ?? "unknown",
            Route = route,
            UpstreamCluster = cluster,
            UpstreamHost = endpoint?.DestinationPrefix,
            Retries = retries,
        };
        metrics.Record(record);
        if (accessLog.Enabled)
        {
            record.TraceId = trace.TraceId;
            record.SpanId = trace.SpanId;
            record.ParentSpanId = trace.ParentSpanId;
            accessLog.Write(record);
        }

        if (trace.Activity is { } activity)
        {
            activity.SetTag("http.response.status_code", status);
            activity.SetTag("response_flags", flags);
            activity.SetTag("upstream_cluster", cluster);
            if (status >= 500)
            {
                activity.SetStatus(ActivityStatusCode.Error);
            }

            activity.Dispose();
        }
    }
}
