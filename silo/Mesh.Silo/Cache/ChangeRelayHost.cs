using Mesh.Grains.Changes;

namespace Mesh.Silo.Cache;

/// <summary>
/// Keeps this silo subscribed to the change stream: subscribes at start, re-checks the subscription every
/// <see cref="SiloOptions.ChangePollInterval"/> times ten (the subscription list is soft state that a silo failure can
/// lose), and unsubscribes on a graceful stop.
/// </summary>
internal sealed partial class ChangeRelayHost(IGrainFactory grains, SiloOptions options, TimeProvider timeProvider, ILogger<ChangeRelayHost> logger) : BackgroundService
{
    private IChangeRelayGrain Relay => grains.GetGrain<IChangeRelayGrain>(options.SiloId);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.ChangePollInterval * 10, timeProvider);
        try
        {
            do
            {
                try
                {
                    await Relay.EnsureSubscribedAsync().WaitAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogNotSubscribed(logger, ex.Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await Relay.UnsubscribeAsync().WaitAsync(TimeSpan.FromSeconds(2), timeProvider, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogNotSubscribed(logger, ex.Message);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown time is up; the subscription is pruned with the silo.
        }
    }

    [LoggerMessage(EventId = 113, Level = LogLevel.Warning, Message = "Change stream subscription not confirmed ({Reason}); retrying, and polling meanwhile")]
    private static partial void LogNotSubscribed(ILogger logger, string reason);
}
