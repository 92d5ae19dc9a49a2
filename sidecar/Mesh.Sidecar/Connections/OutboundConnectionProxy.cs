using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Routing.Model;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Security;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Connections;

/// <summary>
/// Proxies one connection accepted on a TCP or TLS listener: reads the SNI when the listener routes TLS, picks the
/// first route that fits and a weighted destination, connects to an endpoint (mutual TLS with ALPN
/// <see cref="MeshTlsConnector.MeshTcp"/> to a peer sidecar, like HTTP's auto-mTLS; plain TCP otherwise) and relays
/// the bytes. A connect failure tries one other endpoint, as Envoy's TCP proxy does with two connect attempts.
/// </summary>
internal sealed partial class OutboundConnectionProxy(
    ProxyConfigHolder holder, MeshTlsConnector mtls, IstioMetrics metrics, LocalWorkload local, TimeProvider time, ILogger<OutboundConnectionProxy> logger)
{
    private const int ConnectAttempts = 2;
    private static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    public async Task HandleAsync(ConnectionContext connection, int port, bool gateway)
    {
        var config = holder.Current;
        var listener = config.Source.TcpListeners.FirstOrDefault(l => l.Port == port && l.Gateway == gateway);
        if (listener is null)
        {
            return; // the listener was removed while this connection was being accepted
        }

        string? sni = null;
        if (listener.Mode != TcpListenerMode.Tcp)
        {
            var hello = await ReadServerNameAsync(connection);
            if (hello.Status != ClientHelloStatus.Complete)
            {
                Log.NotTls(logger, listener.Name);
                return;
            }

            sni = hello.ServerName;
        }

        var cluster = PickCluster(config, listener, sni);
        if (cluster is null)
        {
            Log.NoRoute(logger, listener.Name, sni ?? "-");
            Count(Key(null, null, ResponseFlags.NoRoute, false, listener, sni), 0);
            return;
        }

        await RelayAsync(connection, cluster, listener);
    }

    private async Task RelayAsync(ConnectionContext connection, ClusterRuntime cluster, TcpListenerConfig listener)
    {
        EndpointRuntime? previous = null;
        for (var attempt = 0; attempt < ConnectAttempts; attempt++)
        {
            var endpoint = cluster.Select(null, previous, time.GetUtcNow().UtcTicks);
            if (endpoint is null)
            {
                Count(Key(cluster, null, ResponseFlags.NoHealthyUpstream, false, listener, null), 0);
                return;
            }

            // An east-west gateway passes the caller's own mutual TLS through to the endpoint's sidecar unopened.
            var passthrough = listener.Mode == TcpListenerMode.AutoPassthrough;
            var mutualTls = !passthrough && mtls.Applies(cluster, endpoint);
            Stream upstream;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
                timeout.CancelAfter(ConnectTimeout);
                upstream = await ConnectAsync(endpoint, cluster.Config.Port, mutualTls, passthrough, timeout.Token);
            }
            catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                Log.ConnectFailed(logger, cluster.Name, endpoint.DestinationPrefix, ex.Message);
                previous = endpoint;
                if (attempt == ConnectAttempts - 1)
                {
                    Count(Key(cluster, endpoint, ResponseFlags.UpstreamFailure, mutualTls, listener, null), 0);
                }

                continue;
            }

            await using (upstream)
            {
                var series = metrics.Tcp(Key(cluster, endpoint, ResponseFlags.None, mutualTls, listener, null));
                Interlocked.Increment(ref series.Opened);
                Interlocked.Increment(ref endpoint.State.ActiveRequests);
                try
                {
                    await ConnectionRelay.RunAsync(connection.Transport, upstream, series, connection.ConnectionClosed);
                }
                finally
                {
                    Interlocked.Decrement(ref endpoint.State.ActiveRequests);
                    Interlocked.Increment(ref series.Closed);
                }
            }

            return;
        }
    }

    private async Task<Stream> ConnectAsync(EndpointRuntime endpoint, int servicePort, bool mutualTls, bool passthrough, CancellationToken cancellationToken)
    {
        var config = endpoint.Config;
        if (mutualTls)
        {
            // A peer cluster's gateway routes the connection by the SNI (the mTLS stays end to end with the workload).
            var ssl = await mtls.ConnectTcpAsync(new DnsEndPoint(config.Address, config.SidecarPort ?? config.Port), config.Identity, cancellationToken, config.GatewaySni);
            // In-band metadata exchange (a header has nowhere to go on TCP): one line naming this workload and the
            // service port it connects to, which a gateway needs to pick its listener (Istio's captured port).
            await ssl.WriteAsync(Encoding.ASCII.GetBytes($"{local.PeerHeaderValue};{PeerMetadata.PortField}={servicePort}\n"), cancellationToken);
            return ssl;
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var port = passthrough ? config.SidecarPort ?? config.Port : config.Port;
            await socket.ConnectAsync(new DnsEndPoint(config.Address, port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static ClusterRuntime? PickCluster(RuntimeConfig config, TcpListenerConfig listener, string? sni)
    {
        if (listener.Mode == TcpListenerMode.AutoPassthrough)
        {
            return AutoPassthroughCluster(sni) is { } name ? config.Clusters.GetValueOrDefault(name) : null;
        }

        foreach (var route in listener.Routes)
        {
            if (route.SniHosts.Count > 0 && (sni is null || !route.SniHosts.Any(pattern => SniMatches(pattern, sni))))
            {
                continue;
            }

            return PickWeighted(route.Clusters) is { } name ? config.Clusters.GetValueOrDefault(name) : null;
        }

        return null;
    }

    private static string? PickWeighted(IReadOnlyList<WeightedClusterConfig> clusters)
    {
        var total = clusters.Sum(c => c.Weight);
        if (clusters.Count == 1 || total <= 0)
        {
            return clusters.Count > 0 ? clusters[0].Cluster : null;
        }

        var pick = Random.Shared.Next(total);
        foreach (var cluster in clusters)
        {
            pick -= cluster.Weight;
            if (pick < 0)
            {
                return cluster.Cluster;
            }
        }

        return clusters[^1].Cluster;
    }

    /// <summary>An exact name, or <c>*.suffix</c> for any name under the suffix (Istio's sniHosts wildcards).</summary>
    internal static bool SniMatches(string pattern, string sni) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? sni.Length > pattern.Length - 1 && sni.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(pattern, sni, StringComparison.OrdinalIgnoreCase);

    /// <summary>Istio's AUTO_PASSTHROUGH SNI, <c>outbound_.PORT_.SUBSET_.HOST</c>, as the cluster name <c>outbound|PORT|SUBSET|HOST</c>.</summary>
    internal static string? AutoPassthroughCluster(string? sni)
    {
        var parts = sni?.Split("_.", 4);
        if (parts is not { Length: 4 } || parts[0] != "outbound" || !int.TryParse(parts[1], out var port) || parts[3].Length == 0)
        {
            return null;
        }

        var subset = parts[2] == "_" ? "" : parts[2];
        return $"outbound|{port}|{subset}|{parts[3]}";
    }

    private async Task<(ClientHelloStatus Status, string? ServerName)> ReadServerNameAsync(ConnectionContext connection)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(HelloTimeout);
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(timeout.Token);
                var status = ClientHelloReader.Read(result.Buffer, out var serverName);
                if (status != ClientHelloStatus.Incomplete || result.IsCompleted || result.Buffer.Length > ClientHelloReader.MaxHelloBytes)
                {
                    // Nothing is consumed: the whole hello goes upstream as it came.
                    input.AdvanceTo(result.Buffer.Start);
                    return (status == ClientHelloStatus.Incomplete ? ClientHelloStatus.NotTls : status, serverName);
                }

                input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or ConnectionResetException)
        {
            return (ClientHelloStatus.NotTls, null);
        }
    }

    private void Count(IstioMetrics.SeriesKey key, long bytes)
    {
        var series = metrics.Tcp(key);
        Interlocked.Increment(ref series.Opened);
        Interlocked.Increment(ref series.Closed);
        Interlocked.Add(ref series.ReceivedBytes, bytes);
    }

    private IstioMetrics.SeriesKey Key(ClusterRuntime? cluster, EndpointRuntime? endpoint, string flags, bool mutualTls, TcpListenerConfig listener, string? sni) => new(
        Inbound: false,
        Source: local.Workload,
        SourcePrincipal: mutualTls ? local.Principal : "unknown",
        DestinationService: cluster?.DestinationService ?? sni ?? listener.Name,
        DestinationServiceName: cluster?.Config.ServiceName ?? "unknown",
        DestinationNamespace: cluster?.Config.Namespace ?? "unknown",
        DestinationVersion: endpoint?.Version ?? "unknown",
        DestinationWorkload: endpoint?.Workload ?? "unknown",
        DestinationApp: endpoint?.App ?? "unknown",
        DestinationPrincipal: "unknown",
        RequestProtocol: "tcp",
        ResponseCode: 0,
        ResponseFlags: flags,
        MutualTls: mutualTls);

    private static partial class Log
    {
        [LoggerMessage(1201, LogLevel.Information, "TCP listener {Listener}: connection closed, it did not start with a TLS ClientHello")]
        public static partial void NotTls(ILogger logger, string listener);

        [LoggerMessage(1202, LogLevel.Information, "TCP listener {Listener}: no route for SNI {Sni}; connection closed (NR)")]
        public static partial void NoRoute(ILogger logger, string listener, string sni);

        [LoggerMessage(1203, LogLevel.Warning, "TCP connect to {Cluster} endpoint {Endpoint} failed: {Error}")]
        public static partial void ConnectFailed(ILogger logger, string cluster, string endpoint, string error);
    }
}
