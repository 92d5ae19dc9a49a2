using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Inference;
using Mesh.Sidecar.Resilience;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// The YARP transformer for one request, also holding that request's routing state (one allocation per request).
/// It copies headers (YARP's base), preserves Host, writes traceparent, applies Istio rewrites and header
/// operations, and intercepts retriable responses before they reach the client so the caller can try again.
/// </summary>
internal sealed class ForwardAttempt : HttpTransformer
{
    public RouteRuntime? Route { get; init; }
    public RouteMatcher? Matcher { get; init; }
    public required TraceContext Trace { get; init; }
    public RouteTarget? Target { get; set; }

    /// <summary>The cluster of the current attempt: the route target's, or its fallback once that is in use.</summary>
    public ClusterRuntime? Cluster => FallbackInUse ?? Target?.Cluster;

    /// <summary>Where this request may still go when the target's servers refuse it before the first byte; null once used or when none applies.</summary>
    public ClusterRuntime? Fallback { get; set; }

    /// <summary>The fallback cluster, once the request has gone there.</summary>
    public ClusterRuntime? FallbackInUse { get; private set; }

    /// <summary>Set when the last response (429 or 503) was swallowed to try the fallback.</summary>
    public bool FallbackRequested { get; private set; }

    /// <summary>Set when a held inference stream sent headers but no token before its timeout, and nothing else may be tried.</summary>
    public bool TimedOutBeforeFirstToken { get; private set; }

    /// <summary>Moves the request to its fallback: one attempt there, no retries.</summary>
    public ClusterRuntime UseFallback()
    {
        FallbackInUse = Fallback ?? throw new InvalidOperationException("no fallback to use");
        Fallback = null;
        FallbackRequested = false;
        RetriesLeft = 0;
        return FallbackInUse;
    }

    /// <summary>Retries still allowed for this request (0 when retrying is off or the body cannot be replayed).</summary>
    public int RetriesLeft { get; set; }

    /// <summary>The upstream's status code of the last attempt, 0 if none arrived.</summary>
    public int UpstreamStatus { get; private set; }

    /// <summary>Set when the last response was swallowed for a retry (it holds a retry-budget slot).</summary>
    public bool RetryRequested { get; set; }

    public CancellationTokenSource? RouteTimeout { get; set; }

    public CancellationTokenSource? TryTimeout { get; set; }

    /// <summary>Endpoint of the current attempt.</summary>
    public LoadBalancing.EndpointRuntime? Endpoint { get; set; }

    /// <summary>The current attempt goes over mutual TLS.</summary>
    public bool MutualTls { get; set; }

    /// <summary>This workload's <see cref="PeerMetadata"/> header value, sent so the destination can name its caller.</summary>
    public string? PeerHeader { get; init; }

    /// <summary>Istio's cluster name for a host no route knows (PassthroughCluster, BlackHoleCluster); null when routed.</summary>
    public string? UnroutedCluster { get; init; }

    /// <summary>Where a passthrough request went (<c>http://host:port</c>).</summary>
    public string? PassthroughAddress { get; init; }

    /// <summary>Retries made so far.</summary>
    public int Retries { get; set; }

    /// <summary>Stamps when the request goes upstream, the start of an inference request's time to first token.</summary>
    public TimeProvider? Time { get; init; }

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        UpstreamStatus = 0;
        RetryRequested = false;
        FallbackRequested = false;
        TimedOutBeforeFirstToken = false;
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        if (Time is not null && httpContext.Features.Get<InferenceUsage>() is { } usage)
        {
            usage.RequestSentTimestamp = Time.GetTimestamp();
        }

        var request = httpContext.Request;
        var rewrite = Route?.Config.Rewrite;
        proxyRequest.Headers.Remove(HeaderNames.Host);
        // An external provider reached as a fallback is asked by its own name, as a route to it would have rewritten.
        var externalFallback = FallbackInUse is { Config.External: true } fallback ? fallback.Config.Host : null;
        proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.Host, rewrite?.Authority ?? externalFallback ?? request.Host.Value);
        if (PeerHeader is not null)
        {
            proxyRequest.Headers.Remove(PeerMetadata.HeaderName);
            proxyRequest.Headers.TryAddWithoutValidation(PeerMetadata.HeaderName, PeerHeader);
        }

        proxyRequest.Headers.Remove(HeaderNames.TraceParent);
        proxyRequest.Headers.TryAddWithoutValidation(HeaderNames.TraceParent, Trace.TraceParent);
        if (Endpoint?.Config.Identity is { } identity)
        {
            proxyRequest.Options.Set(Security.MeshTlsConnector.ExpectedIdentity, identity);
        }

        if (Endpoint?.Config.GatewaySni is { } sni)
        {
            proxyRequest.Options.Set(Security.MeshTlsConnector.GatewayAddress, Endpoint.Config.Address);
            proxyRequest.Options.Set(Security.MeshTlsConnector.GatewaySni, sni);
        }

        if (!MutualTls && Cluster?.Config.Tls is { } tls && Security.TlsOriginator.Applies(tls))
        {
            proxyRequest.Options.Set(Security.TlsOriginator.ServerName, externalFallback ?? request.Host.Host);
        }

        if (rewrite is not null && (rewrite.Uri is not null || rewrite.RegexMatch is not null))
        {
            var path = HeaderOperations.RewritePath(rewrite, request.Path.Value ?? "/", Matcher?.PathPrefix);
            proxyRequest.RequestUri = RequestUtilities.MakeDestinationAddress(destinationPrefix, new PathString(path), request.QueryString);
        }

        if (Route is not null)
        {
            HeaderOperations.Apply(Route.Config.RequestHeaders, proxyRequest);
            HeaderOperations.Apply(Target?.Config.RequestHeaders, proxyRequest);
        }
    }

    /// <summary>
    /// A model server that answers 429 or 503 with Retry-After is overloaded or rate-limited: this sidecar sends it
    /// nothing new for that long (at most <see cref="MaxCooldown"/>), unless nothing else is left.
    /// </summary>
    private void CoolDown(LoadBalancing.EndpointRuntime endpoint, HttpResponseMessage response)
    {
        var now = (Time ?? TimeProvider.System).GetUtcNow();
        var retryAfter = response.Headers.RetryAfter;
        var wait = retryAfter?.Delta ?? (retryAfter?.Date is { } date ? date - now : null);
        if (wait is { } delay && delay > TimeSpan.Zero)
        {
            Volatile.Write(ref endpoint.State.CooldownUntilTicks, (now + (delay < MaxCooldown ? delay : MaxCooldown)).UtcTicks);
        }
    }

    public static readonly TimeSpan MaxCooldown = TimeSpan.FromMinutes(5);

    /// <summary>
    /// A model server can start a stream (200, headers) and then hang before its first token. For a held inference
    /// request with a timeout, the headers are passed on only with the first chunk of the stream: until then nothing
    /// has reached the client, so a per-try timeout retries the request elsewhere (or on the fallback), and a route
    /// timeout answers 504. Returns false when the response must not be passed on.
    /// </summary>
    private async ValueTask<bool> FirstTokenArrivedAsync(HttpContext httpContext, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var timeout = TryTimeout ?? RouteTimeout;
        if (timeout is null || !response.IsSuccessStatusCode || httpContext.Features.Get<InferenceRequest>()?.WholeBody is null
            || response.Content.Headers.ContentType?.MediaType != "text/event-stream")
        {
            return true;
        }

        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken);
        var first = new byte[4096];
        int read;
        try
        {
            read = await body.ReadAsync(first, linked.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var perTry = TryTimeout?.IsCancellationRequested == true && RouteTimeout?.IsCancellationRequested != true;
            if (perTry && RetriesLeft > 0 && Route?.Retry is { } retry && retry.ShouldRetry(AttemptFailure.PerTryTimeout)
                && Cluster is { } cluster && cluster.State.TryStartRetry(retry.Config, cluster.Config.ConnectionPool?.MaxRetries))
            {
                RetryRequested = true;
            }
            else if (perTry && Fallback is not null)
            {
                FallbackRequested = true;
            }
            else
            {
                TimedOutBeforeFirstToken = true;
            }

            return false;
        }

        var replay = new StreamContent(new ReplayedBodyStream(first.AsMemory(0, read), body));
        foreach (var (name, values) in response.Content.Headers)
        {
            replay.Headers.TryAddWithoutValidation(name, values);
        }

        response.Content = replay;
        return true;
    }

    public override async ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        if (proxyResponse is null)
        {
            return false;
        }

        UpstreamStatus = (int)proxyResponse.StatusCode;
        if (UpstreamStatus is 429 or 503 && Endpoint is { } endpoint && httpContext.Features.Get<InferenceRequest>() is not null)
        {
            CoolDown(endpoint, proxyResponse);
        }

        if (RetriesLeft > 0 && Route?.Retry is { } retry && retry.ShouldRetry(UpstreamStatus)
            && Cluster is { } cluster && cluster.State.TryStartRetry(retry.Config, cluster.Config.ConnectionPool?.MaxRetries))
        {
            RetryRequested = true;
            return false;
        }

        if (Fallback is not null && UpstreamStatus is 429 or 503)
        {
            FallbackRequested = true;
            return false;
        }

        if (!await FirstTokenArrivedAsync(httpContext, proxyResponse, cancellationToken))
        {
            return false;
        }

        // Response headers arrived: the route timeout bounds time to first byte, so long streams (SSE) are not cut.
        RouteTimeout?.CancelAfter(Timeout.Infinite);
        TryTimeout?.CancelAfter(Timeout.Infinite);
        var copy = await base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        if (Route is not null)
        {
            HeaderOperations.Apply(Route.Config.ResponseHeaders, httpContext.Response.Headers);
            HeaderOperations.Apply(Target?.Config.ResponseHeaders, httpContext.Response.Headers);
        }

        // The injected usage chunk is taken out of the stream, so a length the upstream declared would be wrong.
        if (httpContext.Features.Get<InferenceUsage>() is { InjectedUsage: true }
            && (httpContext.Response.ContentType ?? "").StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
        {
            httpContext.Response.ContentLength = null;
        }

        return copy;
    }
}
