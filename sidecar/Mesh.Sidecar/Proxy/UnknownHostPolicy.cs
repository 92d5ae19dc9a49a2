using System.Net;
using Mesh.Routing.Model;
using Mesh.Sidecar.Resilience;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// A request for a host no route knows, by the Sidecar resource's <c>outboundTrafficPolicy</c>: REGISTRY_ONLY answers
/// 502 (Istio's BlackHoleCluster and block_all route), ALLOW_ANY sends it to the host and port it names (Istio's
/// PassthroughCluster and allow_any route), and without a policy the answer is Envoy's 404 with flag NR.
/// </summary>
internal sealed partial class UnknownHostPolicy(IHttpForwarder forwarder, UpstreamClient upstream, ILogger<UnknownHostPolicy> logger)
{
    public const string PassthroughCluster = "PassthroughCluster";
    public const string BlackHoleCluster = "BlackHoleCluster";

    public static string? RouteName(string? unroutedCluster) => unroutedCluster switch
    {
        PassthroughCluster => "allow_any",
        BlackHoleCluster => "block_all",
        _ => null,
    };

    public async Task<(string Flags, ForwardAttempt? Attempt)> HandleAsync(HttpContext context, OutboundTrafficMode mode, TraceContext trace)
    {
        var host = context.Request.Host;
        switch (mode)
        {
            case OutboundTrafficMode.RegistryOnly:
                Log.Blocked(logger, host.Value ?? "");
                await LocalReply.WriteAsync(context, StatusCodes.Status502BadGateway,
                    $"host '{host.Value}' is not in the mesh registry and outboundTrafficPolicy is REGISTRY_ONLY");
                return (ResponseFlags.NoRoute, new ForwardAttempt { Trace = trace, UnroutedCluster = BlackHoleCluster });
            case OutboundTrafficMode.AllowAny when !LoopsBack(context, host):
                var address = $"http://{host.Host}:{host.Port ?? 80}";
                var attempt = new ForwardAttempt { Trace = trace, UnroutedCluster = PassthroughCluster, PassthroughAddress = address };
                return (await PassThroughAsync(context, address, attempt), attempt);
            default:
                await LocalReply.WriteAsync(context, StatusCodes.Status404NotFound, $"no route for host '{host.Value}'");
                return (ResponseFlags.NoRoute, null);
        }
    }

    private async Task<string> PassThroughAsync(HttpContext context, string address, ForwardAttempt attempt)
    {
        var error = await forwarder.SendAsync(context, address, upstream.Invoker, upstream.For(context), attempt, context.RequestAborted);
        if (error == ForwarderError.None)
        {
            return ResponseFlags.None;
        }

        if (context.RequestAborted.IsCancellationRequested)
        {
            return ResponseFlags.DownstreamTerminated;
        }

        if (await LocalReply.RefusedBadBodyAsync(context, error))
        {
            return ResponseFlags.DownstreamProtocolError;
        }

        var failure = UpstreamForwarder.Classify(context, error);
        await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "upstream connect error or disconnect/reset before headers");
        return failure == AttemptFailure.ConnectFailure ? ResponseFlags.UpstreamFailure : ResponseFlags.UpstreamReset;
    }

    /// <summary>A passthrough to the listener the request came in on would call itself until it ran out of sockets.</summary>
    private static bool LoopsBack(HttpContext context, HostString host) =>
        (host.Port ?? 80) == context.Connection.LocalPort
        && (string.Equals(host.Host, "localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host.Host, out var ip) && (IPAddress.IsLoopback(ip) || ip.Equals(context.Connection.LocalIpAddress))));

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Refused a request to {Host}: not in the mesh registry and outboundTrafficPolicy is REGISTRY_ONLY")]
        public static partial void Blocked(ILogger logger, string host);
    }
}
