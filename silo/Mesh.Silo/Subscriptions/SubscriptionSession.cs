using System.Buffers;
using System.Net.WebSockets;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Silo.Cache;
using Mesh.Silo.Observability;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// One subscriber's stream. The sender always sends the net change from what the subscriber last received to the
/// newest revision, so a slow subscriber gets coalesced updates and the silo holds no queue for it.
/// </summary>
internal sealed partial class SubscriptionSession(
    WebSocket socket,
    NodeInfo node,
    long initialRevision,
    SubscriberState state,
    ResourceCache cache,
    FrameBuilder frames,
    HeartbeatClock clock,
    SiloMetrics metrics,
    SiloOptions options,
    TimeProvider timeProvider,
    Action onNack,
    Health.OutlierReportWriter outliers,
    ILogger logger)
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SubscriptionScope _scope = SubscriptionScope.For(node);
    private long _lastReceived = timeProvider.GetTimestamp();
    private long _lastSent = timeProvider.GetTimestamp();

    public string Id => node.Id;

    public SubscriberState State => state;

    /// <summary>A newer connection with the same id took over.</summary>
    public void Replace() => _stop.Cancel();

    /// <summary>
    /// Tells the subscriber to move to another silo now (this one is shutting down): the reconnect frame, then a
    /// normal close, then a short wait for the subscriber's close so the frame is delivered before the socket goes.
    /// </summary>
    public async Task ReconnectAsync(string reason, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(FrameBuilder.Serialize(new ReconnectFrame(reason)), cancellationToken);
            await _sendLock.WaitAsync(cancellationToken);
            try
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.EndpointUnavailable, "silo shutting down", cancellationToken);
            }
            finally
            {
                _sendLock.Release();
            }

            await _ended.Task.WaitAsync(TimeSpan.FromSeconds(1), timeProvider, cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or WebSocketException or IOException or ObjectDisposedException)
        {
            // The subscriber is gone or too slow; it will fail over through its own deadline.
        }
        finally
        {
            _stop.Cancel();
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunSessionAsync(cancellationToken);
        }
        finally
        {
            _ended.TrySetResult();
        }
    }

    private async Task RunSessionAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        var token = linked.Token;
        var receive = ReceiveLoopAsync(token);
        var send = SendLoopAsync(token);
        var first = await Task.WhenAny(receive, send);
        await linked.CancelAsync();
        try
        {
            await Task.WhenAll(receive, send);
        }
        catch (Exception ex) when (ex is OperationCanceledException or WebSocketException or IOException)
        {
            LogSessionEnded(logger, Id, ex.GetType().Name);
        }
        catch (ProtocolViolationException ex)
        {
            await TryCloseAsync(WebSocketCloseStatus.PolicyViolation, ex.Message);
            return;
        }

        _ = first;
        await TryCloseAsync(WebSocketCloseStatus.NormalClosure, "bye");
    }

    private async Task SendLoopAsync(CancellationToken token)
    {
        var sent = initialRevision;
        var needSnapshot = initialRevision <= 0;
        if (!needSnapshot && initialRevision > cache.Revision)
        {
            // The subscriber saw a newer revision through another silo; this cache is a moment behind.
            await WaitForRevisionAsync(initialRevision, token);
            needSnapshot = initialRevision > cache.Revision;
        }

        var firstFrame = true;
        while (!token.IsCancellationRequested)
        {
            var changed = cache.Changed;
            if (firstFrame || cache.Revision > sent)
            {
                var frame = frames.Build(sent, _scope, needSnapshot);
                needSnapshot = false;
                if (frame.Bytes is not null || firstFrame)
                {
                    var bytes = frame.Bytes ?? FrameBuilder.Serialize(new DeltaFrame(sent, frame.Revision, [], []));
                    await SendAsync(bytes, token);
                    metrics.RecordPush(frame.IsSnapshot, cache.AppliedAt(frame.Revision));
                }

                sent = frame.Revision;
                firstFrame = false;
                state.Update(s => s with { SentRevision = frame.Revision });
                continue;
            }

            var idle = options.SubscriberHeartbeatInterval - timeProvider.GetElapsedTime(Volatile.Read(ref _lastSent));
            if (idle <= TimeSpan.Zero)
            {
                await SendAsync(FrameBuilder.Serialize(new HeartbeatFrame(sent)), token);
                continue;
            }

            if (timeProvider.GetElapsedTime(Volatile.Read(ref _lastReceived)) > options.SubscriberTimeout)
            {
                LogSilent(logger, Id);
                return;
            }

            // One shared tick for every session: no per-subscriber timers while thousands wait for a change.
            await Task.WhenAny(changed, clock.NextTick).WaitAsync(token);
        }
    }

    private async Task WaitForRevisionAsync(long revision, CancellationToken token)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(token);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        while (cache.Revision < revision && !timeout.IsCancellationRequested)
        {
            await Task.WhenAny(cache.Changed, Task.Delay(Timeout.Infinite, timeout.Token));
        }
    }

    private async Task SendAsync(byte[] bytes, CancellationToken token)
    {
        await _sendLock.WaitAsync(token);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, token);
            Volatile.Write(ref _lastSent, timeProvider.GetTimestamp());
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        while (!token.IsCancellationRequested)
        {
            var frame = await ReceiveFrameAsync(socket, options.MaxClientFrameBytes, token);
            if (frame is null)
            {
                return;
            }

            Volatile.Write(ref _lastReceived, timeProvider.GetTimestamp());
            var now = timeProvider.GetUtcNow();
            switch (frame)
            {
                case AckFrame ack:
                    metrics.Acks.Add(1);
                    state.Update(s => s with { AckedRevision = Math.Max(s.AckedRevision, ack.Revision), LastSeen = now });
                    break;
                case NackFrame nack:
                    metrics.Nacks.Add(1);
                    LogNack(logger, Id, nack.Revision, nack.Error);
                    state.Update(s => s with { NackedRevision = nack.Revision, LastNackError = Truncate(nack.Error), LastNackAt = now, LastSeen = now });
                    onNack();
                    break;
                case HeartbeatFrame:
                    state.Update(s => s with { LastSeen = now });
                    break;
                case OutlierFrame outlier:
                    if (Health.OutlierFrameValidator.Check(outlier, cache) is { } problem)
                    {
                        throw new ProtocolViolationException(problem);
                    }

                    outliers.Enqueue(Id, outlier);
                    state.Update(s => s with { LastSeen = now });
                    break;
                default:
                    throw new ProtocolViolationException($"unexpected '{frame.GetType().Name}' frame after hello");
            }
        }
    }

    /// <summary>Reads one whole message and parses it; null when the peer closed. Oversized or malformed frames are protocol violations.</summary>
    public static async Task<SubscriptionFrame?> ReceiveFrameAsync(WebSocket socket, int maxBytes, CancellationToken token)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes);
        try
        {
            var length = 0;
            while (true)
            {
                if (length == maxBytes)
                {
                    throw new ProtocolViolationException($"frame larger than {maxBytes} bytes");
                }

                var result = await socket.ReceiveAsync(buffer.AsMemory(length, maxBytes - length), token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }

                if (result.MessageType != WebSocketMessageType.Text)
                {
                    throw new ProtocolViolationException("frames must be text messages of JSON");
                }

                length += result.Count;
                if (result.EndOfMessage)
                {
                    break;
                }
            }

            if (FrameFastPath.TryRead(buffer.AsSpan(0, length), out var common))
            {
                return common;
            }

            try
            {
                return JsonSerializer.Deserialize<SubscriptionFrame>(buffer.AsSpan(0, length), MeshJson.Options)
                    ?? throw new ProtocolViolationException("frame is JSON null");
            }
            catch (JsonException ex)
            {
                throw new ProtocolViolationException($"malformed frame: {ex.Message}");
            }
            catch (NotSupportedException ex)
            {
                throw new ProtocolViolationException($"malformed frame: {ex.Message}");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private async Task TryCloseAsync(WebSocketCloseStatus status, string reason)
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                if (status == WebSocketCloseStatus.PolicyViolation)
                {
                    await socket.SendAsync(FrameBuilder.Serialize(new ErrorFrame(reason)), WebSocketMessageType.Text, true, CancellationToken.None);
                }

                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(status, Truncate(reason, 120), timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    private static string Truncate(string text, int max = 2000) => text.Length <= max ? text : text[..max];

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Subscriber {Id} session ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, string id, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Subscriber {Id} NACKed revision {Revision}: {Error}")]
    private static partial void LogNack(ILogger logger, string id, long revision, string error);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Subscriber {Id} went silent; closing")]
    private static partial void LogSilent(ILogger logger, string id);
}

/// <summary>The subscriber broke the protocol; the silo sends an error frame and closes with PolicyViolation.</summary>
internal sealed class ProtocolViolationException(string message) : Exception(message);
