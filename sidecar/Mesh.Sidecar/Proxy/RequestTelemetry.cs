using System.Diagnostics;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Inference;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// Finishes a request: one metrics update, one traffic-report update, one access-log line, and the span closed with
/// its status. The outbound side reports as Istio's reporter="source", the inbound side as reporter="destination".
/// </summary>
internal sealed class RequestTelemetry(IstioMetrics metrics, TrafficAggregator traffic, AccessLog accessLog, LocalWorkload local, TimeProvider time)
{
    public TimeProvider Time => time;

    public LocalWorkload Local => local;

    /// <summary>A request this sidecar sent out (or answered itself: no route, fault, rate limit).</summary>
    public void CompleteOutbound(HttpContext context, long startTimestamp, in TraceContext trace, string flags, RouteRuntime? route, ForwardAttempt? attempt)
    {
        var cluster = attempt?.Cluster;
        var endpoint = attempt?.Endpoint;
        var record = Start(context, inbound: false, startTimestamp, flags);
        record.DestinationService = cluster?.DestinationService ?? context.Request.Host.Host;
        record.DestinationServiceName = cluster?.Config.ServiceName ?? "unknown";
        record.DestinationNamespace = cluster?.Config.Namespace ?? "unknown";
        record.DestinationVersion = endpoint?.Version ?? "unknown";
        record.DestinationWorkload = endpoint?.Workload ?? "unknown";
        record.DestinationApp = endpoint?.App ?? "unknown";
        record.DestinationPrincipal = "unknown";
        record.Source = local.Workload;
        record.MutualTls = attempt?.MutualTls ?? false;
        record.SourcePrincipal = record.MutualTls ? local.Principal : "unknown";
        record.Route = route?.Name ?? UnknownHostPolicy.RouteName(attempt?.UnroutedCluster);
        record.Subset = cluster?.Config.Subset;
        record.UpstreamCluster = cluster?.Name ?? attempt?.UnroutedCluster;
        record.UpstreamHost = endpoint?.DestinationPrefix ?? attempt?.PassthroughAddress;
        record.Retries = attempt?.Retries ?? 0;
        Finish(context, ref record, trace);
    }

    /// <summary>A request that arrived from another sidecar (or a caller outside the mesh) for the local app.</summary>
    public void CompleteInbound(HttpContext context, long startTimestamp, in TraceContext trace, string flags, in InboundPeer peer,
        string destinationService, string serviceName, string? appPrefix)
    {
        var record = Start(context, inbound: true, startTimestamp, flags);
        record.DestinationService = destinationService;
        record.DestinationServiceName = serviceName;
        var self = local.Workload;
        record.DestinationNamespace = self.Namespace;
        record.DestinationVersion = self.Version;
        record.DestinationWorkload = self.Name;
        record.DestinationApp = self.App;
        record.MutualTls = peer.Principal is not null;
        record.DestinationPrincipal = record.MutualTls ? local.Principal : "unknown";
        record.SourcePrincipal = peer.Principal ?? "unknown";
        record.Source = peer.Workload ?? (peer.Namespace is { } ns ? PeerWorkload.InNamespace(ns) : PeerWorkload.Unknown);
        record.Denied = peer.Denied;
        record.Route = "inbound";
        record.UpstreamCluster = appPrefix;
        Finish(context, ref record, trace);
    }

    private RequestRecord Start(HttpContext context, bool inbound, long startTimestamp, string flags)
    {
        var request = context.Request;
        var elapsed = time.GetElapsedTime(startTimestamp);
        return new RequestRecord
        {
            Inbound = inbound,
            StartTime = time.GetUtcNow() - elapsed,
            Method = request.Method,
            Path = request.Path.Value ?? "/",
            Authority = request.Host.Value ?? "",
            Protocol = request.Protocol,
            RequestProtocol = request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) ? "grpc" : "http",
            StatusCode = context.Response.StatusCode,
            ResponseFlags = flags,
            DurationMs = elapsed.TotalMilliseconds,
            RequestBytes = context.Features.Get<BodyByteCounter>()?.RequestBytes ?? request.ContentLength ?? 0,
            ResponseBytes = context.Features.Get<BodyByteCounter>()?.ResponseBytes ?? context.Response.ContentLength ?? 0,
        };
    }

    private void Finish(HttpContext context, ref RequestRecord record, in TraceContext trace)
    {
        if (context.Features.Get<InferenceUsage>() is { } usage)
        {
            record.Inference = true;
            record.Model = usage.RequestModel;
            record.PromptTokens = usage.PromptTokens;
            record.CompletionTokens = usage.CompletionTokens;
            record.PickReason = context.Items.TryGetValue(InferenceEndpointPicker.ReasonItem, out var reason) ? reason as string : null;
            metrics.GenAi.Record(GenAiSampleFor(usage, record));
        }

        metrics.Record(record);
        traffic.Record(record);
        if (accessLog.Enabled)
        {
            record.TraceId = trace.TraceId;
            record.SpanId = trace.SpanId;
            record.ParentSpanId = trace.ParentSpanId;
            accessLog.Write(record);
        }

        if (trace.Activity is { } activity)
        {
            activity.SetTag("http.response.status_code", record.StatusCode);
            activity.SetTag("response_flags", record.ResponseFlags);
            activity.SetTag("upstream_cluster", record.UpstreamCluster);
            if (record.StatusCode >= 500)
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

/// <summary>
/// What the inbound side knows about the caller: the verified SPIFFE ID (mTLS), the workload named by its
/// <see cref="PeerMetadata"/> header, the namespace from its ID, and whether policy refused it.
/// </summary>
internal readonly record struct InboundPeer(string? Principal, string? Namespace, PeerWorkload? Workload, bool Denied);
