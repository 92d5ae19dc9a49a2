using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Subscription frames over one WebSocket: each frame is one text message of MeshJson. Receives read until
/// EndOfMessage into a pooled buffer (snapshots can be large); sends are serialized because a WebSocket allows one
/// send at a time and heartbeats run beside ACKs.
/// </summary>
internal sealed class FrameChannel(WebSocket socket) : IDisposable
{
    private const int MaxMessageBytes = 256 * 1024 * 1024;
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);

    public async Task SendAsync(SubscriptionFrame frame, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(frame, MeshJson.Options);
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>Returns null when the silo closed the stream.</summary>
    public async Task<SubscriptionFrame?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            if (length == _buffer.Length)
            {
                if (_buffer.Length >= MaxMessageBytes)
                {
                    throw new InvalidDataException($"subscription message exceeds {MaxMessageBytes} bytes");
                }

                var larger = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = larger;
            }

            var result = await socket.ReceiveAsync(_buffer.AsMemory(length), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                break;
            }
        }

        // Socket completions run inline on the event threads that also carry proxied traffic (SidecarRuntime), so
        // parsing and compiling a possibly large snapshot moves to the thread pool instead of stalling those sockets.
        await Task.Yield();
        try
        {
            return JsonSerializer.Deserialize<SubscriptionFrame>(_buffer.AsSpan(0, length), MeshJson.Options)
                ?? throw new InvalidDataException("subscription message is null");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"subscription message is not a valid frame: {ex.Message}", ex);
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
        _sendLock.Dispose();
    }
}
