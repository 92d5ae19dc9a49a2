using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Connections;

/// <summary>
/// Opens and closes the configuration's TCP and TLS listeners as it changes. Kestrel's endpoints are fixed at start,
/// so these are bound through Kestrel's own socket transport (<see cref="IConnectionListenerFactory"/>) instead,
/// which gives the same <see cref="ConnectionContext"/> pipes. A removed listener stops accepting; connections it
/// already accepted run to their end. A port that cannot be bound is reported and tried again at the next change.
/// </summary>
internal sealed partial class ConnectionListeners(
    ProxyConfigHolder holder, IConnectionListenerFactory factory, OutboundConnectionProxy proxy, SidecarOptions options, ILogger<ConnectionListeners> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<(int Port, bool Gateway), Bound> _bound = new();
    private readonly ConcurrentDictionary<(int Port, bool Gateway), string> _failed = new();

    /// <summary>What is listening now, for the admin endpoint: name, address, port and state.</summary>
    public IReadOnlyList<ListenerStatus> Status()
    {
        var bound = _bound.Select(p => new ListenerStatus(p.Value.Name, p.Value.EndPoint.ToString(), p.Key.Port, "listening", null));
        var failed = _failed.Select(p => new ListenerStatus(p.Key.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), null, p.Key.Port, "failed", p.Value));
        return [.. bound.Concat(failed).OrderBy(s => s.Port)];
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = holder.NextSwap;
                await ReconcileAsync(holder.Current.Source.TcpListeners, stoppingToken);
                await next.WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var key in _bound.Keys)
            {
                await CloseAsync(key);
            }
        }
    }

    private async Task ReconcileAsync(IReadOnlyList<Routing.Model.TcpListenerConfig> wanted, CancellationToken cancellationToken)
    {
        var keys = wanted.Select(l => (l.Port, l.Gateway)).ToHashSet();
        foreach (var key in _bound.Keys.Where(k => !keys.Contains(k)))
        {
            await CloseAsync(key);
        }

        foreach (var key in _failed.Keys.Where(k => !keys.Contains(k)))
        {
            _failed.TryRemove(key, out _);
        }

        foreach (var listener in wanted)
        {
            var key = (listener.Port, listener.Gateway);
            if (_bound.ContainsKey(key))
            {
                continue;
            }

            var address = listener.Gateway && IPAddress.TryParse(options.Address, out var ip) ? ip : listener.Gateway ? IPAddress.Any : IPAddress.Loopback;
            try
            {
                var bound = await factory.BindAsync(new IPEndPoint(address, listener.Port), cancellationToken);
                var state = new Bound(listener.Name, bound.EndPoint, bound);
                _bound[key] = state;
                _failed.TryRemove(key, out _);
                state.Accepting = AcceptAsync(state, listener.Port, listener.Gateway);
                Log.Listening(logger, listener.Name, bound.EndPoint.ToString() ?? "", listener.Mode.ToString());
            }
            catch (Exception ex) when (ex is IOException or SocketException or AddressInUseException)
            {
                _failed[key] = ex.Message;
                Log.BindFailed(logger, listener.Name, listener.Port, ex.Message);
            }
        }
    }

    private async Task AcceptAsync(Bound state, int port, bool gateway)
    {
        while (await state.Listener.AcceptAsync() is { } connection)
        {
            _ = ServeAsync(connection, port, gateway);
        }
    }

    private async Task ServeAsync(ConnectionContext connection, int port, bool gateway)
    {
        try
        {
            await proxy.HandleAsync(connection, port, gateway);
        }
        catch (Exception ex)
        {
            Log.ConnectionFailed(logger, port, ex.Message);
        }
        finally
        {
            await connection.DisposeAsync();
        }
    }

    private async Task CloseAsync((int Port, bool Gateway) key)
    {
        if (!_bound.TryRemove(key, out var state))
        {
            return;
        }

        await state.Listener.UnbindAsync();
        await state.Listener.DisposeAsync();
        if (state.Accepting is { } accepting)
        {
            await accepting;
        }

        Log.Closed(logger, state.Name, key.Port);
    }

    private sealed class Bound(string name, EndPoint endPoint, IConnectionListener listener)
    {
        public string Name { get; } = name;
        public EndPoint EndPoint { get; } = endPoint;
        public IConnectionListener Listener { get; } = listener;
        public Task? Accepting { get; set; }
    }

    private static partial class Log
    {
        [LoggerMessage(1221, LogLevel.Information, "TCP listener {Listener} listening on {EndPoint} ({Mode})")]
        public static partial void Listening(ILogger logger, string listener, string endPoint, string mode);

        [LoggerMessage(1222, LogLevel.Error, "TCP listener {Listener} could not bind port {Port}: {Error}")]
        public static partial void BindFailed(ILogger logger, string listener, int port, string error);

        [LoggerMessage(1223, LogLevel.Information, "TCP listener {Listener} on port {Port} closed")]
        public static partial void Closed(ILogger logger, string listener, int port);

        [LoggerMessage(1224, LogLevel.Warning, "TCP connection on port {Port} failed: {Error}")]
        public static partial void ConnectionFailed(ILogger logger, int port, string error);
    }
}

/// <summary>One connection-level listener as the admin endpoint <c>/listeners</c> shows it.</summary>
internal sealed record ListenerStatus(string Name, string? Address, int Port, string State, string? Error);
