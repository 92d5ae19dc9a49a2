using System.Diagnostics;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// The inbound listener's handler: traffic from other sidecars goes to the local app on 127.0.0.1:app-port, Host
/// preserved so the app (and telemetry) sees which service was addressed.
/// </summary>
internal sealed class InboundProxy(SidecarOptions options, IHttpForwarder forwarder, UpstreamClient upstream, RequestTelemetry telemetry, Security.InboundGuard guard)
{
    private readonly string? _appPrefix = options.AppPort is { } port ? $"http://127.0.0.1:{port}" : null;
    private readonly string _service = options.Service ?? "unknown";
    private readonly string _destinationService = options.Service is null ? "unknown" : $"{options.Service}.{options.Namespace}.svc.cluster.local";
    private readonly string _version = options.Version ?? "unknown";
    private readonly string _workload = options.Workload;

    public async Task HandleAsync(HttpContext context)
    {
        var start = telemetry.Time.GetTimestamp();
        var trace = TraceContext.Start(context, "inbound", ActivityKind.Server);
        var flags = ResponseFlags.None;
        try
        {
            if (_appPrefix is null)
            {
                flags = ResponseFlags.NoRoute;
                await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "no local app port configured");
                return;
            }

            if (await guard.CheckAsync(context) is not null)
            {
                return;
            }

            var attempt = new ForwardAttempt { Trace = trace };
            var error = await forwarder.SendAsync(context, _appPrefix, upstream.Invoker, upstream.For(context), attempt);
            if (error != ForwarderError.None)
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
            telemetry.Complete(context, inbound: true, start, trace, flags, _destinationService, _service, options.Namespace,
                endpoint: null, route: "inbound", cluster: _appPrefix, retries: 0, localVersion: _version, localWorkload: _workload);
        }
    }
}
