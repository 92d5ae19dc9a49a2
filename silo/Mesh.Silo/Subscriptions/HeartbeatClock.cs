using Microsoft.Extensions.Hosting;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// A shared tick that wakes idle subscription sessions so they can send heartbeats and notice silent peers.
/// One timer for the whole silo instead of one per session.
/// </summary>
internal sealed class HeartbeatClock(TimeProvider timeProvider) : BackgroundService
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    private TaskCompletionSource _tick = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes at the next tick.</summary>
    public Task NextTick => Volatile.Read(ref _tick).Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Interlocked.Exchange(ref _tick, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
