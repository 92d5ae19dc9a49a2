using System.Diagnostics;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Inference;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// The outbound listener's request handler: Host (or absolute-form target, which Kestrel turns into Host and Path)
/// → virtual host → first matching route (Istio order) → faults, weighted cluster, rate limit, pool limit →
/// <see cref="UpstreamForwarder"/>. Runs against one <see cref="RuntimeConfig"/> read once at the start.
/// </summary>
internal sealed class OutboundProxy(
    ProxyConfigHolder holder, UpstreamForwarder forwarder, MirrorSender mirror, RequestTelemetry telemetry, InferenceBodyInspector inference, UnknownHostPolicy unknownHosts, TokenLimiter tokens)
{
    public async Task HandleAsync(HttpContext context)
    {
        var time = telemetry.Time;
        var start = time.GetTimestamp();
        BodyByteCounter.Attach(context);
        var config = holder.Current;
        var trace = TraceContext.Start(context, "outbound", ActivityKind.Client);
        var flags = ResponseFlags.None;
        RouteRuntime? route = null;
        ForwardAttempt? attempt = null;
        try
        {
            // Before route matching: the model from the body becomes a header that VirtualService matches can use.
            try
            {
                await inference.InspectAsync(context);
            }
            catch (InferenceBodyException ex)
            {
                flags = ResponseFlags.DownstreamTerminated;
                await LocalReply.WriteAsync(context, StatusCodes.Status400BadRequest, ex.Message);
                return;
            }

            var host = config.Hosts.Find(context.Request.Host.Value ?? "");
            RouteMatcher? matcher = null;
            if (host is not null)
            {
                var port = config.Hosts.IgnoresPort ? host.Config.Port : context.Request.Host.Port ?? host.Config.Port;
                route = host.FirstMatch(context, port, out matcher);
            }

            if (route is null && config.OutboundMode == Routing.Model.OutboundTrafficMode.AllowAny)
            {
                route = config.EgressProxyRoute;
            }

            if (route is null)
            {
                (flags, attempt) = await unknownHosts.HandleAsync(context, config.OutboundMode, trace);
                return;
            }

            attempt = new ForwardAttempt { Route = route, Matcher = matcher, Trace = trace, Time = time, PeerHeader = telemetry.Local.PeerHeaderValue };
            flags = await RouteAsync(context, config, route, attempt);
        }
        finally
        {
            await FinishInferenceResponseAsync(context);
            if (attempt?.Target?.Cluster?.Config.TokenLimit is not null)
            {
                TokenLimiter.Settle(context);
            }
            telemetry.CompleteOutbound(context, start, trace, flags, route, attempt);
        }
    }

    private async Task<string> RouteAsync(HttpContext context, RuntimeConfig config, RouteRuntime route, ForwardAttempt attempt)
    {
        var routeConfig = route.Config;
        if (routeConfig.DirectResponse is { } direct)
        {
            await LocalReply.WriteAsync(context, direct.Status, direct.Body);
            return ResponseFlags.None;
        }

        if (routeConfig.Redirect is { } redirect)
        {
            LocalReply.Redirect(context, redirect);
            return ResponseFlags.None;
        }

        var flags = ResponseFlags.None;
        if (routeConfig.Fault is { } fault)
        {
            if (fault.Delay is { } delay && Chance(delay.Percent))
            {
                await Task.Delay(delay.Delay, telemetry.Time, context.RequestAborted);
                flags = ResponseFlags.DelayInjected;
            }

            if (fault.Abort is { } abort && Chance(abort.Percent))
            {
                await LocalReply.WriteAsync(context, abort.Status, "fault filter abort");
                return ResponseFlags.FaultInjected;
            }
        }

        var target = route.PickTarget(Random.Shared);
        attempt.Target = target;
        if (target?.Cluster is not { } cluster)
        {
            await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, $"no cluster '{target?.ClusterName}'");
            return ResponseFlags.NoRoute;
        }

        // A body can be sent again only when the sidecar holds all of it: an inference request that ended within the
        // part read to find its model. Other bodies stream through once, so they are not retried.
        var heldInference = context.Features.Get<InferenceRequest>()?.WholeBody is not null;
        var replayable = !LocalReply.CanHaveBody(context) || heldInference;
        attempt.RetriesLeft = route.Retry is { } retry && replayable ? retry.MaxRetries : 0;
        if (heldInference && cluster.Config.FallbackCluster is { } fallback)
        {
            attempt.Fallback = config.Clusters.GetValueOrDefault(fallback);
        }

        if (cluster.State.RateLimiter is { } bucket && !bucket.TryAcquire())
        {
            await LocalReply.WriteAsync(context, StatusCodes.Status429TooManyRequests, "local_rate_limited");
            return ResponseFlags.RateLimited;
        }

        if (cluster.Config.TokenLimit is { } tokenLimit && context.Features.Get<InferenceRequest>() is { } inferenceRequest
            && await tokens.AdmitAsync(context, tokenLimit, inferenceRequest, context.RequestAborted) is { } wait)
        {
            await LocalReply.WriteAsync(context, StatusCodes.Status429TooManyRequests, "token rate limit exceeded",
                retryAfterSeconds: (int)Math.Min(int.MaxValue, Math.Ceiling(wait.TotalSeconds)));
            return ResponseFlags.RateLimited;
        }

        if (!cluster.State.TryEnter(cluster.PoolLimit))
        {
            await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "upstream connect error or disconnect/reset before headers. reset reason: overflow");
            return ResponseFlags.Overflow;
        }

        try
        {
            if (route.Mirror is { } mirrorCluster && routeConfig.Mirror is { } mirrorConfig && Chance(mirrorConfig.Percent))
            {
                mirror.Send(context, mirrorCluster);
            }

            var result = await forwarder.ForwardAsync(context, cluster, attempt, routeConfig.Timeout, routeConfig.Retry?.PerTryTimeout);
            return result == ResponseFlags.None ? flags : result;
        }
        finally
        {
            cluster.State.Exit();
        }
    }

    /// <summary>Passes on an SSE fragment held back at the end and reads the usage; a client already gone is no error.</summary>
    private static async ValueTask FinishInferenceResponseAsync(HttpContext context)
    {
        if (context.Response.Body is not InferenceResponseStream body)
        {
            return;
        }

        try
        {
            await body.FinishAsync(context.RequestAborted);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
        }
    }

    private static bool Chance(double percent) => percent >= 100 || (percent > 0 && Random.Shared.NextDouble() * 100 < percent);
}
