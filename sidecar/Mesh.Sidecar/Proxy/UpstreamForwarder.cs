using System.Net.Http;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Resilience;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// Sends one request to a cluster through YARP's <see cref="IHttpForwarder"/>, adding what YARP leaves to the
/// caller: endpoint choice per attempt, retries on another endpoint within the retry budget, route and per-try
/// timeouts, and passive outlier detection. Returns the Envoy response flag for telemetry.
/// </summary>
internal sealed class UpstreamForwarder(
    IHttpForwarder forwarder, UpstreamClient upstream, Security.MeshTlsConnector mtls, Security.TlsOriginator originator, Subscription.OutlierReporter outliers, TimeProvider time)
{
    public async Task<string> ForwardAsync(HttpContext context, ClusterRuntime cluster, ForwardAttempt attempt, TimeSpan? routeTimeout, TimeSpan? perTryTimeout)
    {
        using var routeCts = routeTimeout is { } timeout && timeout > TimeSpan.Zero ? new CancellationTokenSource(timeout, time) : null;
        attempt.RouteTimeout = routeCts;
        var retry = attempt.Route?.Retry;
        var holdingRetrySlot = false;
        EndpointRuntime? previous = null;
        try
        {
            while (true)
            {
                var now = time.GetUtcNow().UtcTicks;
                var endpoint = cluster.Select(context, previous, now);
                if (endpoint is null)
                {
                    await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "no healthy upstream");
                    return ResponseFlags.NoHealthyUpstream;
                }

                attempt.Endpoint = endpoint;
                using var tryCts = perTryTimeout is { } perTry && perTry > TimeSpan.Zero ? CreateTryTimeout(routeCts, perTry) : null;
                attempt.TryTimeout = tryCts;
                var token = tryCts?.Token ?? routeCts?.Token ?? CancellationToken.None;

                ForwarderError error;
                Interlocked.Increment(ref endpoint.State.ActiveRequests);
                try
                {
                    attempt.MutualTls = mtls.Applies(cluster, endpoint);
                    var invoker = attempt.MutualTls ? mtls.Invoker : Security.TlsOriginator.Applies(cluster.Config.Tls) ? originator.InvokerFor(cluster.Config.Tls) : upstream.Invoker;
                    error = await forwarder.SendAsync(context, endpoint.DestinationPrefix, invoker, upstream.For(context), attempt, token);
                }
                finally
                {
                    Interlocked.Decrement(ref endpoint.State.ActiveRequests);
                    if (holdingRetrySlot)
                    {
                        cluster.State.EndRetry();
                        holdingRetrySlot = false;
                    }
                }

                if (attempt.TimedOutBeforeFirstToken)
                {
                    RecordOutcome(cluster, endpoint, 0, localFailure: true, now);
                    await LocalReply.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "upstream request timeout");
                    return ResponseFlags.Timeout;
                }

                if (error == ForwarderError.None && !attempt.RetryRequested && !attempt.FallbackRequested)
                {
                    RecordOutcome(cluster, endpoint, attempt.UpstreamStatus, localFailure: false, now);
                    return attempt.Retries > 0 && retry is not null && retry.ShouldRetry(attempt.UpstreamStatus)
                        ? ResponseFlags.RetryLimitExceeded
                        : ResponseFlags.None;
                }

                if (attempt.FallbackRequested)
                {
                    RecordOutcome(cluster, endpoint, attempt.UpstreamStatus, localFailure: false, now);
                    cluster = PrepareFallback(context, attempt, ref previous);
                    continue;
                }

                if (attempt.RetryRequested)
                {
                    // The transformer swallowed a retriable response and took a retry-budget slot.
                    RecordOutcome(cluster, endpoint, attempt.UpstreamStatus, localFailure: false, now);
                    holdingRetrySlot = true;
                    PrepareRetry(context, attempt, endpoint, ref previous);
                    continue;
                }

                if (context.RequestAborted.IsCancellationRequested)
                {
                    return ResponseFlags.DownstreamTerminated;
                }

                if (await LocalReply.RefusedBadBodyAsync(context, error))
                {
                    return ResponseFlags.DownstreamProtocolError;
                }

                if (routeCts?.IsCancellationRequested == true)
                {
                    RecordOutcome(cluster, endpoint, 0, localFailure: true, now);
                    await LocalReply.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "upstream request timeout");
                    return ResponseFlags.Timeout;
                }

                var failure = tryCts?.IsCancellationRequested == true ? AttemptFailure.PerTryTimeout : Classify(context, error);
                if (failure == AttemptFailure.None)
                {
                    // The response had started streaming when it broke; YARP has already aborted the client side.
                    return ResponseFlags.UpstreamReset;
                }

                RecordOutcome(cluster, endpoint, 0, localFailure: true, now);
                if (!context.Response.HasStarted && attempt.RetriesLeft > 0 && retry is not null && retry.ShouldRetry(failure)
                    && cluster.State.TryStartRetry(retry.Config, cluster.Config.ConnectionPool?.MaxRetries))
                {
                    holdingRetrySlot = true;
                    PrepareRetry(context, attempt, endpoint, ref previous);
                    continue;
                }

                if (!context.Response.HasStarted && attempt.Fallback is not null && failure == AttemptFailure.ConnectFailure)
                {
                    cluster = PrepareFallback(context, attempt, ref previous);
                    continue;
                }

                if (failure == AttemptFailure.PerTryTimeout)
                {
                    await LocalReply.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "upstream request timeout");
                    return ResponseFlags.Timeout;
                }

                await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "upstream connect error or disconnect/reset before headers");
                return attempt.Retries > 0 ? ResponseFlags.RetryLimitExceeded
                    : failure == AttemptFailure.Reset ? ResponseFlags.UpstreamReset : ResponseFlags.UpstreamFailure;
            }
        }
        finally
        {
            if (holdingRetrySlot)
            {
                cluster.State.EndRetry();
            }

            attempt.RouteTimeout = null;
            attempt.TryTimeout = null;
        }
    }

    private CancellationTokenSource CreateTryTimeout(CancellationTokenSource? routeCts, TimeSpan perTry)
    {
        if (routeCts is null)
        {
            return new CancellationTokenSource(perTry, time);
        }

        var linked = CancellationTokenSource.CreateLinkedTokenSource(routeCts.Token);
        linked.CancelAfter(perTry);
        return linked;
    }

    private static void PrepareRetry(HttpContext context, ForwardAttempt attempt, EndpointRuntime endpoint, ref EndpointRuntime? previous)
    {
        attempt.RetriesLeft--;
        attempt.Retries++;
        previous = endpoint;
        if (context.Features.Get<Inference.InferenceRequest>()?.WholeBody is { } body)
        {
            context.Request.Body = new Inference.ReplayedBodyStream(body, Stream.Null);
        }

        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
    }

    /// <summary>The target's servers refused before the first byte: the request goes to the fallback cluster, whole, once.</summary>
    private static ClusterRuntime PrepareFallback(HttpContext context, ForwardAttempt attempt, ref EndpointRuntime? previous)
    {
        previous = null;
        if (context.Features.Get<Inference.InferenceRequest>()?.WholeBody is { } body)
        {
            context.Request.Body = new Inference.ReplayedBodyStream(body, Stream.Null);
        }

        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);
        return attempt.UseFallback();
    }

    internal static AttemptFailure Classify(HttpContext context, ForwarderError error)
    {
        switch (error)
        {
            case ForwarderError.Request or ForwarderError.RequestCreation or ForwarderError.RequestTimedOut:
                for (var ex = context.Features.Get<IForwarderErrorFeature>()?.Exception; ex is not null; ex = ex.InnerException)
                {
                    if (ex is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError })
                    {
                        return AttemptFailure.ConnectFailure;
                    }
                }

                return error == ForwarderError.RequestTimedOut ? AttemptFailure.ConnectFailure : AttemptFailure.Reset;
            case ForwarderError.ResponseHeaders:
                return AttemptFailure.Reset;
            default:
                return context.Response.HasStarted ? AttemptFailure.None : AttemptFailure.Reset;
        }
    }

    private void RecordOutcome(ClusterRuntime cluster, EndpointRuntime endpoint, int status, bool localFailure, long now)
    {
        if (cluster.Config.OutlierDetection is not { } outlier)
        {
            return;
        }

        if (localFailure || status >= 500)
        {
            if (OutlierDetector.RecordFailure(outlier, cluster.Endpoints, endpoint, isGatewayError: localFailure || status is 502 or 503 or 504, now))
            {
                outliers.Wake();
            }
        }
        else
        {
            OutlierDetector.RecordSuccess(endpoint.State);
        }
    }
}
