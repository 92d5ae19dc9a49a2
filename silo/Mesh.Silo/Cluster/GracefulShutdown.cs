using Mesh.Silo.Health;
using Mesh.Silo.Subscriptions;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Cluster;

/// <summary>
/// Leaves the cluster cleanly on SIGTERM, before any service stops: (a) every subscriber gets a reconnect frame and
/// moves to another silo at once, (b) probing stops. Orleans' own shutdown then deactivates this silo's grains (the
/// health partitions re-activate on the other silos at their next check) and marks the silo dead in the membership
/// table. Each step is bounded, so a dead database cannot hold up the exit.
/// </summary>
internal sealed partial class GracefulShutdown(
    SubscriberRegistry subscribers,
    IServiceProvider services,
    ILogger<GracefulShutdown> logger) : IHostedLifecycleService
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(1.5);

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        var count = subscribers.Count;
        await StepAsync("reconnect subscribers", token => subscribers.DrainAsync("silo shutting down", token), cancellationToken);
        LogDrained(logger, count);

        services.GetService<HealthChecker>()?.StopAll();
    }

    private async Task StepAsync(string step, Func<CancellationToken, Task> action, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StepTimeout);
        try
        {
            await action(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or StoreUnavailableException)
        {
            LogStepSkipped(logger, step, ex.Message);
        }
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 630, Level = LogLevel.Information, Message = "Shutting down: told {Count} subscribers to reconnect elsewhere")]
    private static partial void LogDrained(ILogger logger, int count);

    [LoggerMessage(EventId = 631, Level = LogLevel.Warning, Message = "Shutdown step '{Step}' skipped: {Reason}")]
    private static partial void LogStepSkipped(ILogger logger, string step, string reason);
}

internal static class GracefulShutdownServiceCollectionExtensions
{
    public static IServiceCollection AddMeshGracefulShutdown(this IServiceCollection services) =>
        services.AddHostedService<GracefulShutdown>();
}
