using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Security.Authorization;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Security;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Connections;

/// <summary>
/// The destination side of a TCP connection between sidecars: a mutual-TLS connection on the inbound listener that
/// negotiated ALPN <see cref="MeshTlsConnector.MeshTcp"/>. It reads the caller's one-line peer metadata, applies
/// AuthorizationPolicy over what TCP has (principal, namespace, addresses, port; a rule that needs HTTP attributes
/// does not match), and relays the rest of the bytes to the app. On a gateway there is no app: the connection goes to
/// the gateway's own TCP/TLS listener for the service port the caller named, which routes it (by SNI for TLS
/// passthrough), as Istio's egress gateway does with a sidecar's mutual-TLS connection for a PASSTHROUGH server.
/// </summary>
internal sealed partial class InboundConnectionRelay(
    SidecarOptions options, SecurityConfig security, InboundTls tls, IstioMetrics metrics, LocalWorkload local, OutboundConnectionProxy gatewayListeners,
    ILogger<InboundConnectionRelay> logger)
{
    private const int MaxPeerLine = 1024;
    private readonly string _destinationService = options.Service is null ? "unknown" : $"{options.Service}.{options.Namespace}.svc.cluster.local";

    public static bool IsMeshTcp(ConnectionContext connection) =>
        connection.Features.Get<Microsoft.AspNetCore.Server.Kestrel.Core.Features.ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual(MeshTlsConnector.MeshTcp.Protocol.Span) == true;

    public async Task HandleAsync(ConnectionContext connection)
    {
        var peer = tls.PeerOf(connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate);
        var line = await ReadPeerLineAsync(connection.Transport.Input, connection.ConnectionClosed);
        var workload = PeerMetadata.Parse(line) ?? (peer is not null ? PeerWorkload.InNamespace(peer.Namespace ?? "unknown") : PeerWorkload.Unknown);
        var key = Key(workload, peer?.ToString(), ResponseFlags.None, peer is not null);
        var gatewayPort = options.Mode == SidecarMode.Gateway ? PeerMetadata.PortOf(line) : null;
        if ((gatewayPort ?? options.AppPort) is not { } appPort)
        {
            Refuse(connection, key with { ResponseFlags = ResponseFlags.NoRoute }, "no local app port configured");
            return;
        }

        var policy = security.Current;
        if (policy.Mode == Routing.Model.MtlsMode.Strict && peer is null)
        {
            Refuse(connection, key, "STRICT requires a verified client certificate");
            return;
        }

        if (policy.Authorizer is { } authorizer && !authorizer.Evaluate(new RequestContext
        {
            Principal = peer?.Principal,
            SourceIp = (connection.RemoteEndPoint as IPEndPoint)?.Address,
            DestinationIp = (connection.LocalEndPoint as IPEndPoint)?.Address,
            DestinationPort = appPort,
            Method = "",
            Path = "",
            Sni = connection.Features.Get<ITlsHandshakeFeature>()?.HostName,
        }).Allowed)
        {
            Refuse(connection, key with { ResponseFlags = "-" }, "RBAC: access denied");
            return;
        }

        if (gatewayPort is { } listenerPort)
        {
            await gatewayListeners.HandleAsync(connection, listenerPort, gateway: true);
            return;
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, appPort), connection.ConnectionClosed);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            Refuse(connection, key with { ResponseFlags = ResponseFlags.UpstreamFailure }, ex.Message);
            return;
        }

        await using var app = new NetworkStream(socket, ownsSocket: true);
        var series = metrics.Tcp(key);
        Interlocked.Increment(ref series.Opened);
        try
        {
            await ConnectionRelay.RunAsync(connection.Transport, app, series, connection.ConnectionClosed);
        }
        finally
        {
            Interlocked.Increment(ref series.Closed);
        }
    }

    private void Refuse(ConnectionContext connection, IstioMetrics.SeriesKey key, string reason)
    {
        Log.Refused(logger, key.SourcePrincipal, reason);
        var series = metrics.Tcp(key);
        Interlocked.Increment(ref series.Opened);
        Interlocked.Increment(ref series.Closed);
        connection.Abort(new ConnectionAbortedException(reason));
    }

    /// <summary>The caller's <see cref="PeerMetadata"/> line, consumed from the stream; null when it is missing or too long.</summary>
    private static async Task<string?> ReadPeerLineAsync(PipeReader input, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = buffer.Slice(0, end);
                    var text = line.Length <= MaxPeerLine ? Encoding.ASCII.GetString(line.ToArray()) : null;
                    input.AdvanceTo(buffer.GetPosition(1, end));
                    return text;
                }

                if (result.IsCompleted || buffer.Length > MaxPeerLine)
                {
                    input.AdvanceTo(buffer.Start);
                    return null;
                }

                input.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException)
        {
            return null;
        }
    }

    private IstioMetrics.SeriesKey Key(PeerWorkload source, string? principal, string flags, bool mutualTls)
    {
        var self = local.Workload;
        return new IstioMetrics.SeriesKey(
            Inbound: true,
            Source: source,
            SourcePrincipal: principal ?? "unknown",
            DestinationService: _destinationService,
            DestinationServiceName: options.Service ?? "unknown",
            DestinationNamespace: self.Namespace,
            DestinationVersion: self.Version,
            DestinationWorkload: self.Name,
            DestinationApp: self.App,
            DestinationPrincipal: mutualTls ? local.Principal : "unknown",
            RequestProtocol: "tcp",
            ResponseCode: 0,
            ResponseFlags: flags,
            MutualTls: mutualTls);
    }

    private static partial class Log
    {
        [LoggerMessage(1211, LogLevel.Information, "Inbound TCP connection from {Principal} refused: {Reason}")]
        public static partial void Refused(ILogger logger, string principal, string reason);
    }
}
