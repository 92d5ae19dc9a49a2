using Mesh.Grains.Federation;

namespace Mesh.Silo.Federation;

/// <summary>
/// Every silo asks each peering's link grain to be active, every heartbeat interval. Orleans keeps one activation per
/// peering; these calls re-activate it on a survivor soon after its silo dies, so the dialer's stream is re-opened
/// from there. A failed round (the cluster starting, a silo leaving) is retried on the next tick.
/// </summary>
internal sealed partial class FederationKeeper(IGrainFactory grains, SiloOptions options, TimeProvider time, ILogger<FederationKeeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Federation.HeartbeatInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    foreach (var peering in await grains.GetGrain<IFederationGrain>(0).ListAsync(stoppingToken))
                    {
                        await grains.GetGrain<IPeerLinkGrain>(peering.Name).EnsureActiveAsync();
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogRoundFailed(logger, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(EventId = 1410, Level = LogLevel.Debug, Message = "Keeping peering links active failed this round: {Problem}")]
    private static partial void LogRoundFailed(ILogger logger, string problem);
}
