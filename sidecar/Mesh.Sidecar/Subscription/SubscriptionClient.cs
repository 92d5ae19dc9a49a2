using System.Net.WebSockets;
using Mesh.Contracts.Protocol;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Keeps one subscription to some silo alive: hello with the held revision (resume), snapshot or delta → compile →
/// ACK or NACK, heartbeats both ways, and on any failure the next silo in the list after a jittered backoff. The
/// configuration in force is never dropped when silos go away.
/// </summary>
internal sealed partial class SubscriptionClient(
    SidecarOptions options,
    ConfigApplier applier,
    NodeInfo node,
    Security.SiloTrust siloTrust,
    OutlierReporter outliers,
    TimeProvider time,
    ILogger<SubscriptionClient> logger) : BackgroundService
{
    internal static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan DeadAfter = TimeSpan.FromSeconds(15);
    private volatile bool _connected;
    private bool _forceSnapshot;
    private bool _reconnectNow;

    public bool Connected => _connected;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Silos.Count == 0)
        {
            return;
        }

        var failures = 0;
        // Sidecars given the same silo list spread over it instead of all landing on the first silo.
        var index = (int)(LoadBalancing.StableHash.Hash(node.Id) % (ulong)options.Silos.Count);
        while (!stoppingToken.IsCancellationRequested)
        {
            var silo = options.Silos[index % options.Silos.Count];
            try
            {
                if (await RunSessionAsync(silo, stoppingToken))
                {
                    failures = 0;
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                Log.SessionFailed(logger, silo, ex.Message);
            }
            finally
            {
                _connected = false;
            }

            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            index++;
            if (_reconnectNow)
            {
                // The silo is shutting down and said so: go to the next one at once, not after a backoff.
                _reconnectNow = false;
                failures = 0;
                continue;
            }

            await Task.Delay(Backoff.Delay(failures++, Random.Shared), time, stoppingToken).ContinueWith(static _ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Runs one session; returns true if it applied at least one update (the silo was healthy).</summary>
    private async Task<bool> RunSessionAsync(Uri silo, CancellationToken stoppingToken)
    {
        using var socket = new ClientWebSocket();
        if (options.Token is { } token)
        {
            socket.Options.SetRequestHeader("Authorization", $"Bearer {token}");
        }

        socket.Options.KeepAliveInterval = TimeSpan.Zero;
        socket.Options.RemoteCertificateValidationCallback = siloTrust.Callback;
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
        {
            connectTimeout.CancelAfter(TimeSpan.FromSeconds(5));
            await socket.ConnectAsync(SubscribeUri(silo), connectTimeout.Token);
        }

        using var channel = new FrameChannel(socket);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var revision = _forceSnapshot ? 0 : applier.Accepted.Revision;
        await channel.SendAsync(new HelloFrame(node, revision), session.Token);
        _connected = true;
        Log.Connected(logger, silo, revision);
        var heartbeats = SendHeartbeatsAsync(channel, session.Token);
        Task? reports = null;
        var applied = false;
        try
        {
            while (true)
            {
                session.CancelAfter(DeadAfter);
                var frame = await channel.ReceiveAsync(session.Token);
                switch (frame)
                {
                    case null:
                        return applied;
                    case SnapshotFrame snapshot:
                        applied |= await ApplyAsync(channel, ResourceState.FromSnapshot(snapshot), snapshot.Revision, session.Token);
                        break;
                    case DeltaFrame delta:
                        ResourceState candidate;
                        try
                        {
                            candidate = applier.Accepted.Apply(delta);
                        }
                        catch (ResourceStateException ex)
                        {
                            // Out of step with the silo: say so, then resubscribe asking for a full snapshot.
                            await channel.SendAsync(new NackFrame(delta.Revision, ex.Message), session.Token);
                            _forceSnapshot = true;
                            return applied;
                        }

                        applied |= await ApplyAsync(channel, candidate, delta.Revision, session.Token);
                        break;
                    case ErrorFrame error:
                        Log.SiloError(logger, silo, error.Error);
                        return applied;
                    case ReconnectFrame reconnect:
                        Log.SiloLeaving(logger, silo, reconnect.Reason);
                        _reconnectNow = true;
                        return applied;
                    default:
                        break; // heartbeats only prove liveness, which the receive deadline already tracks
                }

                // Outlier reports name endpoints of the configuration this silo sent, so they start after the first update.
                if (applied && reports is null)
                {
                    reports = outliers.RunAsync(channel.SendAsync, session.Token);
                }
            }
        }
        finally
        {
            await session.CancelAsync();
            await heartbeats.ContinueWith(static _ => { }, TaskScheduler.Default);
            if (reports is not null)
            {
                await reports.ContinueWith(static _ => { }, TaskScheduler.Default);
            }
            if (socket.State == WebSocketState.Open)
            {
                using var closeTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", closeTimeout.Token).ContinueWith(static _ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<bool> ApplyAsync(FrameChannel channel, ResourceState candidate, long revision, CancellationToken cancellationToken)
    {
        var error = await applier.ApplyAsync(candidate, "silo", persist: true, cancellationToken);
        if (error is null)
        {
            _forceSnapshot = false;
            await channel.SendAsync(new AckFrame(revision), cancellationToken);
            return true;
        }

        await channel.SendAsync(new NackFrame(revision, error), cancellationToken);
        return false;
    }

    private async Task SendHeartbeatsAsync(FrameChannel channel, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(HeartbeatInterval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await channel.SendAsync(new HeartbeatFrame(applier.Accepted.Revision), cancellationToken);
        }
    }

    internal static Uri SubscribeUri(Uri silo)
    {
        var builder = new UriBuilder(silo) { Scheme = silo.Scheme == "https" ? "wss" : "ws" };
        builder.Path = builder.Path.TrimEnd('/') + "/api/v1/subscribe";
        return builder.Uri;
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Subscribed to {Silo} resuming from revision {Revision}")]
        public static partial void Connected(ILogger logger, Uri silo, long revision);

        [LoggerMessage(11, LogLevel.Warning, "Subscription to {Silo} ended: {Error}")]
        public static partial void SessionFailed(ILogger logger, Uri silo, string error);

        [LoggerMessage(12, LogLevel.Warning, "Silo {Silo} reported an error: {Error}")]
        public static partial void SiloError(ILogger logger, Uri silo, string error);

        [LoggerMessage(13, LogLevel.Information, "Silo {Silo} asked to reconnect elsewhere: {Reason}")]
        public static partial void SiloLeaving(ILogger logger, Uri silo, string reason);
    }
}
