using System.Collections.Concurrent;
using System.Net.Sockets;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Proxy;

/// <summary>Where an inbound request goes: its address prefix, the client that reaches it, and a name for telemetry.</summary>
internal readonly record struct InboundTarget(string Prefix, HttpMessageInvoker Invoker, string Name);

/// <summary>
/// Picks the local destination of an inbound request. A Sidecar ingress listener for the port the caller addressed (the
/// Host header's port; the only listener when the Host names none) sends it to that listener's defaultEndpoint, a
/// loopback port or a Unix socket; otherwise it goes to the app port. Without traffic capture this port is how a caller
/// names the workload port, as the captured destination port does in Istio.
/// </summary>
internal sealed class InboundTargets(SidecarOptions options, UpstreamClient upstream, ProxyConfigHolder holder) : IDisposable
{
    private readonly string? _appPrefix = options.AppPort is { } port ? $"http://127.0.0.1:{port}" : null;
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _unixSockets = new(StringComparer.Ordinal);

    public InboundTarget? For(HttpContext context)
    {
        var listeners = holder.Current.Source.Inbound.IngressListeners;
        if (listeners.Count > 0)
        {
            var port = context.Request.Host.Port;
            var listener = port is null && listeners.Count == 1 ? listeners[0] : null;
            foreach (var candidate in listeners)
            {
                if (candidate.Port == port)
                {
                    listener = candidate;
                    break;
                }
            }

            if (listener?.Endpoint is { } endpoint)
            {
                return endpoint.UnixPath is { } path
                    ? new InboundTarget(endpoint.DestinationPrefix, UnixSocket(path), "unix://" + path)
                    : new InboundTarget(endpoint.DestinationPrefix, upstream.Invoker, endpoint.DestinationPrefix);
            }
        }

        return _appPrefix is null ? null : new InboundTarget(_appPrefix, upstream.Invoker, _appPrefix);
    }

    private HttpMessageInvoker UnixSocket(string path) =>
        _unixSockets.TryGetValue(path, out var invoker) ? invoker : _unixSockets.GetOrAdd(path, _ =>
        {
            var handler = UpstreamClient.CreateHandler();
            handler.ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(new UnixDomainSocketEndPoint(path), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
            return new HttpMessageInvoker(handler, disposeHandler: true);
        });

    public void Dispose()
    {
        foreach (var invoker in _unixSockets.Values)
        {
            invoker.Dispose();
        }
    }
}
