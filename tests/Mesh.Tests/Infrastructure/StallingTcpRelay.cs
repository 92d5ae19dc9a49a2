using System.Net;
using System.Net.Sockets;

namespace Mesh.Tests.Infrastructure;

/// <summary>
/// A TCP relay on loopback that forwards every accepted connection, byte for byte, to a port on 127.0.0.1, and can
/// stall them: <see cref="Pause"/> stops copying in both directions without closing anything, which is what a hung
/// network path looks like to both ends (no FIN, no RST, just silence). A byte relay is transparent to any protocol
/// over TCP, HTTP/2 cleartext gRPC included. Disposing closes the listener and every socket.
/// </summary>
internal sealed class StallingTcpRelay : IAsyncDisposable
{
    private const int BufferSize = 16 * 1024;

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<Socket> _sockets = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _acceptLoop;
    private TaskCompletionSource _flowing = Flowing();
    private TaskCompletionSource _flowingBack = Flowing();
    private int _connections;

    private StallingTcpRelay(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>Where clients connect, as an http URL (what a sidecar's <c>--silo</c> takes).</summary>
    public string Url => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    /// <summary>Connections accepted so far, to tell a reconnect from a resumed stream.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public static StallingTcpRelay Start(int targetPort) => new(targetPort);

    /// <summary>Stops copying bytes in both directions; sockets stay open and new connections are accepted but stall too.</summary>
    public void Pause() => Pause(toTarget: true, fromTarget: true);

    /// <summary>
    /// Stops copying bytes in one direction or both (a one-way partition: what one side sends is never delivered,
    /// while it still hears the other).
    /// </summary>
    public void Pause(bool toTarget, bool fromTarget)
    {
        lock (_lock)
        {
            if (toTarget && _flowing.Task.IsCompleted)
            {
                _flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            if (fromTarget && _flowingBack.Task.IsCompleted)
            {
                _flowingBack = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Copies again, starting with whatever each side sent while paused (it waited in the socket buffers).</summary>
    public void Resume()
    {
        lock (_lock)
        {
            _flowing.TrySetResult();
            _flowingBack.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] pumps;
        lock (_lock)
        {
            foreach (var socket in _sockets)
            {
                socket.Dispose();
            }

            pumps = [.. _pumps];
        }

        await Task.WhenAll([_acceptLoop, .. pumps]);
        _stop.Dispose();
    }

    private static TaskCompletionSource Flowing()
    {
        var flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        flowing.SetResult();
        return flowing;
    }

    private Task WhileFlowingAsync(bool toTarget)
    {
        lock (_lock)
        {
            return (toTarget ? _flowing : _flowingBack).Task.WaitAsync(_stop.Token);
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptSocketAsync(_stop.Token);
                Interlocked.Increment(ref _connections);
                lock (_lock)
                {
                    _pumps.Add(RelayAsync(client));
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Disposed.
        }
    }

    private async Task RelayAsync(Socket client)
    {
        var target = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        client.NoDelay = true;
        lock (_lock)
        {
            _sockets.Add(client);
            _sockets.Add(target);
        }

        try
        {
            await target.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // The target refused (or the relay is disposed): the client sees its connection closed.
            client.Dispose();
            target.Dispose();
            return;
        }

        await Task.WhenAll(PumpAsync(client, target, toTarget: true), PumpAsync(target, client, toTarget: false));
    }

    /// <summary>Copies one direction until either side closes; a close travels on as a close of the other socket.</summary>
    private async Task PumpAsync(Socket from, Socket to, bool toTarget)
    {
        var buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                await WhileFlowingAsync(toTarget);
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                // A read already under way when Pause() came holds its bytes here until Resume().
                await WhileFlowingAsync(toTarget);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Either side went away, or the relay is disposed: take the pair down so the peer sees it too.
            from.Dispose();
            to.Dispose();
        }
    }
}
