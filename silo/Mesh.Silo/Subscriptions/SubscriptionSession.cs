using Grpc.Core;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;
using Mesh.Silo.Health;
using Mesh.Silo.Observability;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// One subscriber's stream after its first request. The sender always sends the net change from what the subscriber
/// last received to the newest revision, so a slow subscriber gets coalesced updates and the silo holds no queue for
/// it. Liveness is HTTP/2 PING (Kestrel's keepalive), which aborts the call when the peer is gone.
/// </summary>
internal sealed partial class SubscriptionSession(
    IAsyncStreamReader<SubscribeRequest> requests,
    IServerStreamWriter<byte[]> responses,
    NodeInfo node,
    IReadOnlyDictionary<ResourceKey, long> held,
    SubscriberState state,
    ResourceCache cache,
    ResponseBuilder builder,
    SiloMetrics metrics,
    TimeProvider timeProvider,
    Action onNack,
    OutlierReportWriter outliers,
    Traffic.TrafficCollector traffic,
    ILogger logger)
{
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SubscriptionScope _scope = SubscriptionScope.For(node);
    private long _sentRevision = -1;

    // For staleness (CheckStale): when the subscriber was last heard from, the interval it promised to report at
    // (0 until its first traffic report), and since when the oldest unacknowledged response has waited (0: none).
    private long _lastHeardTicks;
    private long _reportIntervalTicks;
    private long _unackedRevision = -1;
    private long _unackedSinceTicks;

    public string Id => node.Id;

    public SubscriberState State => state;

    /// <summary>A newer connection with the same id took over.</summary>
    public void Replace() => _stop.Cancel();

    /// <summary>
    /// Tells the subscriber to move to another silo now (this one is shutting down): the reconnect message, then the
    /// end of the stream, then a short wait so the message is delivered before the silo goes.
    /// </summary>
    public async Task ReconnectAsync(string reason, CancellationToken cancellationToken)
    {
        try
        {
            await SendAsync(ResponseBuilder.Reconnect(reason), cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or IOException or ObjectDisposedException)
        {
            // The subscriber is gone or too slow; it fails over through its own keepalive.
        }
        finally
        {
            await _stop.CancelAsync();
        }

        await _ended.Task.WaitAsync(TimeSpan.FromSeconds(1), timeProvider, CancellationToken.None).ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
            var receive = ReceiveLoopAsync(linked.Token);
            var send = SendLoopAsync(linked.Token);
            var first = await Task.WhenAny(receive, send);
            await linked.CancelAsync();
            await Task.WhenAll(receive, send).ContinueWith(static _ => { }, TaskScheduler.Default);
            // A protocol violation (RpcException) from either loop ends the call with its status; the other loop's
            // cancellation is the normal way it stops.
            if (first.Exception?.InnerException is RpcException violation)
            {
                throw violation;
            }

            LogSessionEnded(logger, Id, first.Exception?.InnerException?.GetType().Name ?? "stream ended");
        }
        finally
        {
            _ended.TrySetResult();
        }
    }

    private async Task SendLoopAsync(CancellationToken token)
    {
        var initial = builder.Initial(held, _scope);
        await SendResponseAsync(initial, token);
        var sent = initial.Revision;
        while (!token.IsCancellationRequested)
        {
            var changed = cache.Changed;
            if (cache.Revision > sent)
            {
                if (builder.Next(sent, _scope) is not { } next)
                {
                    // The change history no longer reaches this subscriber's position (it fell very far behind, or
                    // the cache reloaded): it resubscribes with the versions it holds and gets exactly the difference.
                    await SendAsync(ResponseBuilder.Reconnect("resubscribe: this silo's change history no longer reaches the stream's position"), token);
                    return;
                }

                if (next.Bytes is not null)
                {
                    await SendResponseAsync(next, token);
                }
                else
                {
                    // Nothing in scope changed: the subscriber is current through this revision without a response.
                    state.Update(s => s with { SentRevision = next.Revision });
                }

                sent = next.Revision;
                continue;
            }

            await changed.WaitAsync(token);
        }
    }

    private async Task SendResponseAsync(PreparedResponse response, CancellationToken token)
    {
        // Before the send: the client may ACK as soon as the bytes arrive, which can be before this write completes,
        // and an ACK for a revision not yet recorded as sent would be refused as naming no response of this stream.
        Volatile.Write(ref _sentRevision, response.Revision);
        // The wait is timed from the oldest response still unanswered; a newer one does not restart it.
        Volatile.Write(ref _unackedRevision, response.Revision);
        Interlocked.CompareExchange(ref _unackedSinceTicks, timeProvider.GetUtcNow().UtcTicks, 0);

        await SendAsync(response.Bytes!, token);
        metrics.RecordPush(response.IsInitial, cache.AppliedAt(response.Revision));
        state.Update(s => s with { SentRevision = response.Revision });
    }

    private async Task SendAsync(byte[] bytes, CancellationToken token)
    {
        await _sendLock.WaitAsync(token);
        try
        {
            await responses.WriteAsync(bytes, token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync(CancellationToken token)
    {
        while (await DiscoveryService.ReadAsync(requests, token) is { } request)
        {
            var now = timeProvider.GetUtcNow();
            Interlocked.Exchange(ref _lastHeardTicks, now.UtcTicks);
            switch (request.MessageCase)
            {
                case SubscribeRequest.MessageOneofCase.Ack:
                    var acked = SentRevision("ack.nonce", request.Ack.Nonce);
                    Answered(acked);
                    metrics.Acks.Add(1);
                    state.Update(s => s with { AckedRevision = Math.Max(s.AckedRevision, acked), LastSeen = now });
                    break;
                case SubscribeRequest.MessageOneofCase.Nack:
                    var nacked = SentRevision("nack.nonce", request.Nack.Nonce);
                    Answered(nacked);
                    metrics.Nacks.Add(1);
                    var error = Truncate(request.Nack.ErrorDetail);
                    LogNack(logger, Id, nacked, error);
                    state.Update(s => s with { NackedRevision = nacked, LastNackError = error, LastNackAt = now, LastSeen = now });
                    onNack();
                    break;
                case SubscribeRequest.MessageOneofCase.Outlier:
                    var report = OutlierReports.FromWire(request.Outlier);
                    if (OutlierReportValidator.Check(report, cache) is { } problem)
                    {
                        throw DiscoveryService.Invalid(problem);
                    }

                    outliers.Enqueue(Id, report);
                    state.Update(s => s with { LastSeen = now });
                    break;
                case SubscribeRequest.MessageOneofCase.Traffic:
                    if (Traffic.TrafficReports.Check(request.Traffic) is { } invalid)
                    {
                        throw DiscoveryService.Invalid(invalid);
                    }

                    Interlocked.Exchange(ref _reportIntervalTicks, TimeSpan.FromMilliseconds(request.Traffic.IntervalMillis).Ticks);
                    traffic.Add(request.Traffic);
                    break;
                case SubscribeRequest.MessageOneofCase.Subscribe:
                    throw DiscoveryService.Invalid("subscribe is allowed only as the first request of a stream");
                default:
                    throw DiscoveryService.Invalid("request has none of subscribe, ack, nack, outlier, traffic set (unknown message type?)");
            }
        }
    }

    /// <summary>
    /// Marks the subscriber stale, or no longer stale, in its status (flushed with it): stale when a subscriber that
    /// reports traffic has been silent for two and a half of its intervals (two reports missed; at least
    /// <paramref name="staleAfter"/>), or a
    /// response has waited longer than <paramref name="staleAfter"/> for its ACK or NACK. Istio's proxy-status calls
    /// the second STALE; the first catches a stalled stream even when nothing is being pushed.
    /// </summary>
    public void CheckStale(DateTimeOffset now, TimeSpan staleAfter)
    {
        var interval = Interlocked.Read(ref _reportIntervalTicks);
        var silentFor = now.UtcTicks - Interlocked.Read(ref _lastHeardTicks);
        var unackedSince = Interlocked.Read(ref _unackedSinceTicks);
        var stale = (interval > 0 && silentFor > Math.Max(5 * interval / 2, staleAfter.Ticks))
            || (unackedSince != 0 && now.UtcTicks - unackedSince > staleAfter.Ticks);
        if (stale != state.Current.Stale)
        {
            state.Update(s => s with { Stale = stale });
        }
    }

    /// <summary>An ACK or NACK answered every response up to <paramref name="revision"/>.</summary>
    private void Answered(long revision)
    {
        if (revision >= Volatile.Read(ref _unackedRevision))
        {
            Interlocked.Exchange(ref _unackedSinceTicks, 0);
        }
    }

    /// <summary>The revision behind a nonce this stream sent; anything else is a protocol violation naming the field.</summary>
    private long SentRevision(string field, string nonce) =>
        WireResources.TryParseVersion(nonce, out var revision) && revision <= Volatile.Read(ref _sentRevision)
            ? revision
            : throw DiscoveryService.Invalid($"{field} '{Truncate(nonce, 64)}' does not name a response sent on this stream");

    private static string Truncate(string text, int max = 2000) => text.Length <= max ? text : text[..max];

    [LoggerMessage(EventId = 200, Level = LogLevel.Debug, Message = "Subscriber {Id} session ended: {Reason}")]
    private static partial void LogSessionEnded(ILogger logger, string id, string reason);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Subscriber {Id} NACKed revision {Revision}: {Error}")]
    private static partial void LogNack(ILogger logger, string id, long revision, string error);
}
