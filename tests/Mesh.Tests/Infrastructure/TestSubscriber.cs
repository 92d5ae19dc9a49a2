using System.Collections.Concurrent;
using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;

namespace Mesh.Tests.Infrastructure;

/// <summary>
/// A protocol-level subscriber for tests: speaks the WebSocket protocol of docs/protocol.md directly, applies
/// snapshots and deltas to a local resource set, and ACKs (or NACKs on request) what it receives.
/// </summary>
internal sealed class TestSubscriber : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<ResourceKey, MeshResource> _resources = new();
    private readonly Channel<SubscriptionFrame> _frames = Channel.CreateUnbounded<SubscriptionFrame>();
    private readonly CancellationTokenSource _stop = new();
    private Task? _receive;

    public long Revision { get; private set; }

    /// <summary>When set, the next snapshot or delta is NACKed with this error instead of ACKed.</summary>
    public string? NackNextWith { get; set; }

    /// <summary>When set, each silo heartbeat is answered, so the silo doesn't drop a subscriber a long test leaves idle.</summary>
    public bool AnswerHeartbeats { get; set; }

    public IReadOnlyCollection<MeshResource> Resources => _resources.Values.ToList();

    public ChannelReader<SubscriptionFrame> Frames => _frames.Reader;

    public int SnapshotsReceived { get; private set; }

    public int DeltasReceived { get; private set; }

    public static async Task<TestSubscriber> ConnectAsync(Uri silo, NodeInfo node, long revision = 0, string? token = null)
    {
        var subscriber = new TestSubscriber { Revision = revision };
        if (token is not null)
        {
            subscriber._socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        var uri = new UriBuilder(silo) { Scheme = silo.Scheme == "https" ? "wss" : "ws", Path = "/api/v1/subscribe" }.Uri;
        await subscriber._socket.ConnectAsync(uri, CancellationToken.None);
        await subscriber.SendAsync(new HelloFrame(node, revision));
        subscriber._receive = Task.Run(subscriber.ReceiveLoopAsync);
        return subscriber;
    }

    public bool Has(ResourceKey key) => _resources.ContainsKey(key);

    public MeshResource? Get(ResourceKey key) => _resources.GetValueOrDefault(key);

    public Task WaitForAsync(Func<TestSubscriber, bool> condition, TimeSpan timeout, string what) =>
        Poll.UntilTrueAsync(() => Task.FromResult(condition(this)), timeout, () => $"subscriber never saw {what}; at revision {Revision} with {_resources.Count} resources");

    public Task SendAsync(SubscriptionFrame frame) =>
        _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(frame, MeshJson.Options), WebSocketMessageType.Text, true, _stop.Token);

    public Task SendRawAsync(string text) =>
        _socket.SendAsync(System.Text.Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, _stop.Token);

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    private async Task ReceiveLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                message.SetLength(0);
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, _stop.Token);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                var frame = JsonSerializer.Deserialize<SubscriptionFrame>(message.ToArray(), MeshJson.Options)!;
                await ApplyAsync(frame);
                await _frames.Writer.WriteAsync(frame);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    private async Task ApplyAsync(SubscriptionFrame frame)
    {
        long? revision = null;
        switch (frame)
        {
            case SnapshotFrame snapshot:
                _resources.Clear();
                foreach (var resource in snapshot.Resources)
                {
                    _resources[resource.Key] = resource;
                }

                SnapshotsReceived++;
                revision = snapshot.Revision;
                break;
            case DeltaFrame delta:
                foreach (var resource in delta.Upserts)
                {
                    _resources[resource.Key] = resource;
                }

                foreach (var removal in delta.Removals)
                {
                    _resources.TryRemove(removal.Key, out _);
                }

                DeltasReceived++;
                revision = delta.Revision;
                break;
            case HeartbeatFrame when AnswerHeartbeats:
                await SendAsync(new HeartbeatFrame(Revision));
                break;
        }

        if (revision is { } applied)
        {
            if (NackNextWith is { } error)
            {
                NackNextWith = null;
                await SendAsync(new NackFrame(applied, error));
            }
            else
            {
                Revision = applied;
                await SendAsync(new AckFrame(applied));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException)
        {
        }

        await _stop.CancelAsync();
        if (_receive is not null)
        {
            await _receive;
        }

        _socket.Dispose();
    }
}
