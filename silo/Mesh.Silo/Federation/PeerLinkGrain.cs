using Mesh.Contracts.Federation;
using Mesh.Grains.Federation;

namespace Mesh.Silo.Federation;

/// <summary>The live side of one peering (see <see cref="IPeerLinkGrain"/>).</summary>
[KeepAlive]
internal sealed partial class PeerLinkGrain(
    IGrainFactory grains, PeerDialer dialer, ImportWriter imports, SiloOptions options, TimeProvider time, ILogger<PeerLinkGrain> logger) : Grain, IPeerLinkGrain
{
    private readonly PeerLinkState _state = new();
    private CancellationTokenSource? _dialing;
    private PeeringRecord? _peering;
    private DateTimeOffset _since;
    private DateTimeOffset? _lastHeard;
    private bool _withdrawn;
    private (string Host, int Port)? _gateway;
    private int _gatewayFailures;
    private bool _gatewayUnreachable;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _since = time.GetUtcNow();
        _peering = await grains.GetGrain<IFederationGrain>(0).GetAsync(this.GetPrimaryKeyString(), cancellationToken);
        if (_peering is null)
        {
            DeactivateOnIdle();
            return;
        }

        // The gateway the stored imports point at, and what the probes last found, until the peer says otherwise.
        foreach (var import in (await imports.ListAsync(_peering.Name, cancellationToken)).Values)
        {
            if (Contracts.Json.MeshJson.FromElement<ImportedServiceSpec>(import.Spec) is { GatewayAddress.Length: > 0 } spec)
            {
                _gateway = (spec.GatewayAddress, spec.GatewayPort);
                _gatewayUnreachable = spec.GatewayUnreachable;
            }
        }

        if (_peering.Dialer)
        {
            _dialing = new CancellationTokenSource();
            var peering = _peering;
            var token = _dialing.Token;
            // Off the grain's scheduler: the stream lives for as long as the activation and must not hold its turn.
            _ = Task.Run(() => dialer.RunAsync(peering, _state, token), CancellationToken.None);
        }

        this.RegisterGrainTimer(CheckAsync, new GrainTimerCreationOptions(options.Federation.HeartbeatInterval, options.Federation.HeartbeatInterval) { KeepAlive = true });
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _dialing?.Cancel();
        _dialing?.Dispose();
        _dialing = null;
        return Task.CompletedTask;
    }

    public Task EnsureActiveAsync() => Task.CompletedTask;

    public Task HeardAsync(DateTimeOffset at)
    {
        if (_lastHeard is null || at > _lastHeard)
        {
            _lastHeard = at;
        }

        _withdrawn = false;
        return Task.CompletedTask;
    }

    public Task GatewayAsync(string host, int port)
    {
        _gateway = host.Length == 0 ? null : (host, port);
        return Task.CompletedTask;
    }

    public Task<PeerLinkStatus> GetStatusAsync()
    {
        var now = time.GetUtcNow();
        return Task.FromResult(new PeerLinkStatus
        {
            State = StateAt(now),
            // The acceptor has no stream of its own to look at: a peer heard within two heartbeats is connected.
            Connected = _peering?.Dialer == true ? _state.Connected : _lastHeard is { } heard && now - heard < 2 * options.Federation.HeartbeatInterval + TimeSpan.FromSeconds(1),
            LastHeard = _lastHeard,
            LastError = _state.LastError,
            GatewayReachable = !_gatewayUnreachable,
            Silo = options.SiloId,
        });
    }

    public Task StopAsync()
    {
        _dialing?.Cancel();
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    /// <summary>Silence is counted from the last message, or from activation when none came since (a restart while the peer is down).</summary>
    private string StateAt(DateTimeOffset now)
    {
        var silence = now - (_lastHeard ?? _since);
        return silence >= options.Federation.ExpireAfter ? PeeringStates.Expired
            : silence >= options.Federation.StaleAfter ? PeeringStates.Stale
            : PeeringStates.Active;
    }

    private async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (_peering is null)
        {
            return;
        }

        await ProbeGatewayAsync(_peering.Name, cancellationToken);
        if (_withdrawn || StateAt(time.GetUtcNow()) != PeeringStates.Expired)
        {
            return;
        }

        var withdrawn = await imports.WithdrawAsync(_peering.Name, cancellationToken);
        _withdrawn = true;
        LogExpired(logger, _peering.Name, withdrawn);
    }

    /// <summary>
    /// One silo (this activation's) probes the peer's gateway each interval: after <see cref="GatewayFailuresToMark"/>
    /// failed connects in a row its imports are marked unreachable and never chosen; one successful connect restores them.
    /// This is what keeps traffic off a dead cluster's gateway whether or not its control plane still talks.
    /// </summary>
    private async Task ProbeGatewayAsync(string peer, CancellationToken cancellationToken)
    {
        if (_gateway is not { } gateway)
        {
            return;
        }

        var reachable = await GatewayProbe.CanConnectAsync(gateway.Host, gateway.Port, options.Federation.HeartbeatInterval, cancellationToken);
        _gatewayFailures = reachable ? 0 : _gatewayFailures + 1;
        if (reachable == !_gatewayUnreachable || (!reachable && _gatewayFailures < GatewayFailuresToMark))
        {
            return;
        }

        await imports.SetGatewayReachableAsync(peer, reachable, cancellationToken);
        _gatewayUnreachable = !reachable;
        LogGateway(logger, peer, $"{gateway.Host}:{gateway.Port}", reachable ? "reachable again" : "unreachable: its imports are not chosen until it answers");
    }

    private const int GatewayFailuresToMark = 3;

    [LoggerMessage(EventId = 1411, Level = LogLevel.Warning, Message = "Peer {Peer}'s gateway {Gateway} is {What}")]
    private static partial void LogGateway(ILogger logger, string peer, string gateway, string what);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Warning, Message = "Peer {Peer} expired: withdrew {Count} imported service(s) until it is heard again")]
    private static partial void LogExpired(ILogger logger, string peer, int count);
}
