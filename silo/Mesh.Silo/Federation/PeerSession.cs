using Grpc.Core;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Grains.Federation;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Federation;

/// <summary>
/// One end of a peering stream, the same on both sides: sends this cluster's hello (roots) and exports whenever they
/// change and a heartbeat every interval; applies what the peer sends. A peer silent for StaleAfter ends the session,
/// so a half-open connection after a partition is replaced instead of waited on.
/// </summary>
internal sealed partial class PeerSession(
    ExportBuilder exports, ImportWriter imports, ClusterIdentityProvider identity, ResourceCache cache, IGrainFactory grains,
    SiloOptions options, TimeProvider time, ILogger<PeerSession> logger)
{
    private static readonly TimeSpan Debounce = TimeSpan.FromMilliseconds(50);

    /// <summary>Exports are re-sent this often even unchanged, so a receiver that lost its imports (expiry racing a reconnect) gets them back.</summary>
    private static readonly TimeSpan Resync = TimeSpan.FromSeconds(30);

    /// <summary>Runs until the peer ends the stream, goes silent, sends something invalid, or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(PeeringRecord peering, IAsyncStreamReader<PeerMessage> reader, IAsyncStreamWriter<PeerMessage> writer,
        Action? onFirstMessage, CancellationToken cancellationToken)
    {
        using var session = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var receive = ReceiveAsync(peering, reader, onFirstMessage, session.Token);
        var send = SendAsync(peering, writer, session.Token);
        var first = await Task.WhenAny(receive, send);
        await session.CancelAsync();
        try
        {
            await first;
        }
        finally
        {
            try
            {
                // A write stuck on a stalled connection ends when the caller drops the stream, after this returns.
                await Task.WhenAll(receive, send).WaitAsync(TimeSpan.FromSeconds(5), time);
            }
            catch (Exception) when (session.IsCancellationRequested)
            {
                // The other half ends by cancellation; its exception says nothing the first one did not.
            }
        }
    }

    private async Task ReceiveAsync(PeeringRecord peering, IAsyncStreamReader<PeerMessage> reader, Action? onFirstMessage, CancellationToken cancellationToken)
    {
        var link = grains.GetGrain<IPeerLinkGrain>(peering.Name);
        var federation = grains.GetGrain<IFederationGrain>(0);
        var first = true;
        while (true)
        {
            bool more;
            try
            {
                more = await reader.MoveNext(cancellationToken).WaitAsync(options.Federation.StaleAfter, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, $"peer '{peering.Name}' sent nothing for {options.Federation.StaleAfter.TotalSeconds:0.#} s"));
            }

            if (!more)
            {
                return;
            }

            var message = reader.Current;
            link.HeardAsync(time.GetUtcNow()).Ignore();
            if (first)
            {
                first = false;
                onFirstMessage?.Invoke();
            }

            switch (message.BodyCase)
            {
                case PeerMessage.BodyOneofCase.Hello:
                    if (PeerMessageValidator.Hello(message.Hello, peering.PeerCluster, peering.TrustDomain) is { } helloProblem)
                    {
                        throw Refuse(peering, helloProblem);
                    }

                    await federation.UpdateRootsAsync(peering.Name, [.. message.Hello.Roots], cancellationToken);
                    break;
                case PeerMessage.BodyOneofCase.Exports:
                    if (PeerMessageValidator.Exports(message.Exports) is { } exportsProblem)
                    {
                        throw Refuse(peering, exportsProblem);
                    }

                    link.GatewayAsync(message.Exports.GatewayAddress, message.Exports.GatewayPort).Ignore();
                    var count = await imports.ApplyAsync(peering.Name, peering.TrustDomain, message.Exports, cancellationToken);
                    LogImported(logger, peering.Name, count);
                    break;
                case PeerMessage.BodyOneofCase.Heartbeat:
                    break;
                default:
                    throw Refuse(peering, "a message with no known body");
            }
        }
    }

    /// <remarks>
    /// Writes are not given the session's token: cancelling a write resets the HTTP/2 stream, and the peer would see
    /// "cancelled" instead of the status that ended the session (for example the refusal of what it sent).
    /// </remarks>
    private async Task SendAsync(PeeringRecord peering, IAsyncStreamWriter<PeerMessage> writer, CancellationToken cancellationToken)
    {
        string? sentRoots = null;
        ExportSnapshot? sentExports = null;
        var sentAt = 0L;
        var builtAt = -1L;
        var federation = grains.GetGrain<IFederationGrain>(0);
        while (!cancellationToken.IsCancellationRequested)
        {
            if (await federation.GetAsync(peering.Name, cancellationToken) is not { } current || current.CreatedAt != peering.CreatedAt)
            {
                throw new RpcException(new Status(StatusCode.Unauthenticated, $"peering '{peering.Name}' was deleted"));
            }

            var changed = cache.Changed;
            var sent = false;
            var hello = identity.Current();
            var roots = string.Concat(hello.Roots);
            if (roots != sentRoots && hello.Roots.Count > 0)
            {
                await writer.WriteAsync(new PeerMessage { Hello = hello });
                sentRoots = roots;
                sent = true;
            }

            // Exports are built from the whole cache: only when it moved since they were last built, or to resync.
            var revision = cache.Revision;
            var resync = time.GetElapsedTime(sentAt) >= Resync;
            var snapshot = revision != builtAt || resync ? exports.Build(peering.Name) : sentExports;
            builtAt = revision;
            if (snapshot is not null && (!snapshot.Equals(sentExports) || resync))
            {
                await writer.WriteAsync(new PeerMessage { Exports = snapshot });
                sentExports = snapshot;
                sentAt = time.GetTimestamp();
                sent = true;
            }

            if (!sent)
            {
                await writer.WriteAsync(new PeerMessage { Heartbeat = new Heartbeat { SentUnixMillis = time.GetUtcNow().ToUnixTimeMilliseconds() } });
            }

            await Task.WhenAny(changed, Task.Delay(options.Federation.HeartbeatInterval, time, cancellationToken));
            // Many changes arrive together (an apply, a health sweep): look once they have landed.
            await Task.Delay(Debounce, time, cancellationToken);
        }
    }

    private RpcException Refuse(PeeringRecord peering, string problem)
    {
        LogRefused(logger, peering.Name, problem);
        return new RpcException(new Status(StatusCode.InvalidArgument, $"refused from peer '{peering.Name}': {problem}"));
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Debug, Message = "Imports from peer {Peer}: {Count} service(s)")]
    private static partial void LogImported(ILogger logger, string peer, int count);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Refused a message from peer {Peer}: {Problem}")]
    private static partial void LogRefused(ILogger logger, string peer, string problem);
}
