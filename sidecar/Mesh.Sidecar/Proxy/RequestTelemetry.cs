using System.Diagnostics;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Inference;
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
        if (context.Features.Get<InferenceUsage>() is { } usage)
        {
            record.Inference = true;
            record.Model = usage.RequestModel;
            record.PromptTokens = usage.PromptTokens;
            record.CompletionTokens = usage.CompletionTokens;
            record.PickReason = context.Items.TryGetValue(LoadBalancing.InferenceEndpointPicker.ReasonItem, out var reason) ? reason as string : null;
            metrics.GenAi.Record(GenAiSampleFor(usage, record));
        }

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

    /// <summary>
    /// Time to first token is the first response byte after the request went upstream (for a stream, the first event
    /// carries the first token); time per output token spreads the rest of the stream over the tokens after the first.
    /// Both only for successful streams, as the conventions say.
    /// </summary>
    private GenAiSample GenAiSampleFor(InferenceUsage usage, in RequestRecord record)
    {
        var success = record.StatusCode is >= 200 and < 300;
        double? firstToken = null, perToken = null;
        if (success && usage.Streaming && usage.RequestSentTimestamp != 0 && usage.FirstByteTimestamp != 0)
        {
            firstToken = time.GetElapsedTime(usage.RequestSentTimestamp, usage.FirstByteTimestamp).TotalSeconds;
            if (usage.CompletionTokens is > 1 and var tokens)
            {
                perToken = time.GetElapsedTime(usage.FirstByteTimestamp, usage.LastByteTimestamp).TotalSeconds / (tokens - 1);
            }
        }

        return new GenAiSample(usage.Operation, usage.RequestModel, usage.ResponseModel, record.DestinationService,
            success ? "" : record.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
            record.DurationMs / 1000, usage.PromptTokens, usage.CompletionTokens, firstToken, perToken);
    }
}
