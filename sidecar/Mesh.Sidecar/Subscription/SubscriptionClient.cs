using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Keeps one gRPC subscription to some silo alive (docs/protocol.md): subscribe with the versions held (resume),
/// each response → compile → ACK or NACK by nonce, and on any failure the next silo in the list after a jittered
/// backoff. The configuration in force is never dropped when silos go away.
/// </summary>
internal sealed partial class SubscriptionClient(
    SidecarOptions options,
    ConfigApplier applier,
    NodeInfo node,
    Security.SiloTrust siloTrust,
    Security.CertificateStore certificates,
    OutlierReporter outliers,
    TrafficReporter traffic,
    TimeProvider time,
    ILogger<SubscriptionClient> logger) : BackgroundService
{
    private volatile bool _connected;
    private ResourceState? _received;
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
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: gRPC surfaces the cancelled call as RpcException(Cancelled), which is not a failure
                // (left unhandled it stopped the host with a critical log line on every graceful restart).
                return;
            }
            catch (Exception ex)
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
        using var session = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        // Each session presents the SVID current when it connects; a rotated one is used from the next session on.
        using var channel = new SiloChannel(silo, options.Token, siloTrust.Callback, certificates.Identity?.Context, session.Token);
        // Resume by what is held: the silo sends only what differs, whichever silo it is and however long ago the
        // sidecar last heard from one (a restart resumes from the state file).
        var held = _received ?? applier.Accepted;
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(session.Token))
        {
            connectTimeout.CancelAfter(SiloChannel.ConnectTimeout);
            await channel.SendAsync(new SubscribeRequest { Subscribe = held.HeldVersions(new Subscribe { Node = WireResources.ToWire(node) }) }, connectTimeout.Token);
        }

        _connected = true;
        Log.Connected(logger, silo, held.Resources.Count, held.Revision);
        Task? reports = null;
        var trafficReports = traffic.Enabled ? traffic.RunAsync(channel.SendAsync, session.Token) : null;
        var applied = false;
        try
        {
            while (await channel.ReceiveAsync(session.Token) is { } response)
            {
                if (response.MessageCase == SubscribeResponse.MessageOneofCase.Reconnect)
                {
                    Log.SiloLeaving(logger, silo, response.Reconnect.Reason);
                    _reconnectNow = true;
                    return applied;
                }

                if (response.MessageCase != SubscribeResponse.MessageOneofCase.Resources)
                {
                    continue; // a newer silo's message this client does not know
                }

                // Stream completions can run on the event threads that also carry proxied traffic (SidecarRuntime), so
                // decoding and compiling a possibly large response moves to the thread pool instead of stalling them.
                await Task.Yield();
                applied |= await ApplyAsync(channel, response.Resources, session.Token);

                // Outlier reports name endpoints of the configuration this silo sent, so they start after the first update.
                if (applied && reports is null)
                {
                    reports = outliers.RunAsync(channel.SendAsync, session.Token);
                }
            }

            return applied;
        }
        finally
        {
            await session.CancelAsync();
            foreach (var task in new[] { reports, trafficReports })
            {
                if (task is not null)
                {
                    await task.ContinueWith(static _ => { }, TaskScheduler.Default);
                }
            }
        }
    }

    /// <summary>
    /// Applies a response on top of everything received so far (not only what was accepted: a NACKed response's
    /// other resources are still current, and the silo will not send them again), then ACKs or NACKs it by nonce.
    /// </summary>
    private async Task<bool> ApplyAsync(SiloChannel channel, Resources response, CancellationToken cancellationToken)
    {
        string? error;
        try
        {
            var received = (_received ?? applier.Accepted).Apply(response);
            _received = received;
            error = await applier.ApplyAsync(received, "silo", persist: true, cancellationToken);
        }
        catch (ResourceStateException ex)
        {
            error = ex.Message;
        }

        if (error is null)
        {
            await channel.SendAsync(new SubscribeRequest { Ack = new Ack { Nonce = response.Nonce } }, cancellationToken);
            return true;
        }

        Log.Rejected(logger, response.Nonce, error);
        await channel.SendAsync(new SubscribeRequest { Nack = new Nack { Nonce = response.Nonce, ErrorDetail = error } }, cancellationToken);
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Subscribed to {Silo} holding {Held} resources at revision {Revision}")]
        public static partial void Connected(ILogger logger, Uri silo, int held, long revision);

        [LoggerMessage(11, LogLevel.Warning, "Subscription to {Silo} ended: {Error}")]
        public static partial void SessionFailed(ILogger logger, Uri silo, string error);

        [LoggerMessage(12, LogLevel.Warning, "Rejected the configuration of response {Nonce}: {Error}")]
        public static partial void Rejected(ILogger logger, string nonce, string error);

        [LoggerMessage(13, LogLevel.Information, "Silo {Silo} asked to reconnect elsewhere: {Reason}")]
        public static partial void SiloLeaving(ILogger logger, Uri silo, string reason);
    }
}
