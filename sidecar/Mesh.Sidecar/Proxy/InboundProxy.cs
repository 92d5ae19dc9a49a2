using System.Diagnostics;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// The inbound listener's handler: traffic from other sidecars goes to the local app (see <see cref="InboundTargets"/>),
/// Host preserved so the app (and telemetry) sees which service was addressed.
/// </summary>
internal sealed class InboundProxy(
    SidecarOptions options, IHttpForwarder forwarder, UpstreamClient upstream, RequestTelemetry telemetry, Security.InboundGuard guard, InboundTargets targets,
    OutboundProxy gatewayRoutes)
{
    private readonly string _service = options.Service ?? "unknown";
    private readonly string _destinationService = options.Service is null ? "unknown" : $"{options.Service}.{options.Namespace}.svc.cluster.local";

    public async Task HandleAsync(HttpContext context)
    {
        var start = telemetry.Time.GetTimestamp();
        BodyByteCounter.Attach(context);
        var trace = TraceContext.Start(context, "inbound", ActivityKind.Server);
        var flags = ResponseFlags.None;
        var peerId = guard.PeerOf(context);
        var peerHeader = context.Request.Headers[PeerMetadata.HeaderName];
        var denied = false;
        var target = targets.For(context);
        if (peerHeader.Count > 0)
        {
            // Telemetry's, not the app's: read it and keep it from the app, as Istio does with its peer metadata.
            context.Request.Headers.Remove(PeerMetadata.HeaderName);
        }

        var routedByGateway = false;
        try
        {
            if (options.Mode == SidecarMode.Gateway)
            {
                // A gateway's mesh callers (sidecars sending mutual TLS, Istio's ISTIO_MUTUAL hop to an egress
                // gateway) are authenticated and authorized here, then routed by the Gateway servers as on the
                // gateway's own port; that routing reports the request, as Istio's gateways report as the source.
                if (await guard.CheckAsync(context, peerId) is { } refusedAtGateway)
                {
                    denied = refusedAtGateway is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden;
                    return;
                }

                routedByGateway = true;
                await gatewayRoutes.HandleAsync(context);
                return;
            }

            if (target is not { } local)
            {
                flags = ResponseFlags.NoRoute;
                await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "no local app port configured");
                return;
            }

            if (await guard.CheckAsync(context, peerId) is { } refused)
            {
                denied = refused is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden;
                return;
            }

            var attempt = new ForwardAttempt { Trace = trace };
            var error = await forwarder.SendAsync(context, local.Prefix, local.Invoker, upstream.For(context), attempt);
            if (error != ForwarderError.None && !context.RequestAborted.IsCancellationRequested && await LocalReply.RefusedBadBodyAsync(context, error))
            {
                flags = ResponseFlags.DownstreamProtocolError;
            }
            else if (error != ForwarderError.None)
            {
                flags = context.Response.HasStarted ? ResponseFlags.UpstreamReset : ResponseFlags.UpstreamFailure;
                if (!context.RequestAborted.IsCancellationRequested)
                {
                    await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "upstream connect error or disconnect/reset before headers");
                }
            }
        }
        finally
        {
            if (routedByGateway)
            {
                // The gateway's routing reported the request; this span only closes the gateway's server side.
                trace.Activity?.Dispose();
            }
            else
            {
                Complete(context, start, trace, flags, peerId, peerHeader, denied, target);
            }
        }
    }

    private void Complete(HttpContext context, long start, in TraceContext trace, string flags, Mesh.Security.Identity.SpiffeId? peerId,
        Microsoft.Extensions.Primitives.StringValues peerHeader, bool denied, InboundTarget? target)
    {
        var peer = new InboundPeer(peerId?.ToString(), peerId?.Namespace, PeerMetadata.Parse(peerHeader.Count == 1 ? peerHeader[0] : null), denied);
        telemetry.CompleteInbound(context, start, trace, flags, peer, _destinationService, _service, target?.Name);
    }
}
