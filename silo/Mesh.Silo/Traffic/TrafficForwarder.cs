using Mesh.Grains.Traffic;
using Microsoft.Extensions.Hosting;

namespace Mesh.Silo.Traffic;

/// <summary>Once a second, hands the collected traffic to the cluster's traffic grain (wherever Orleans placed it).</summary>
internal sealed partial class TrafficForwarder(TrafficCollector collector, IGrainFactory grains, TimeProvider time, ILogger<TrafficForwarder> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var batch = collector.TakeBatch();
            if (batch.Count == 0)
            {
                continue;
            }

            try
            {
                await grains.GetGrain<ITrafficGraphGrain>(0).AddAsync(batch);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A live view loses a second of traffic; the next batch goes to the grain's new home.
                LogForwardFailed(logger, batch.Count, ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Warning, Message = "Could not forward {Edges} traffic edges: {Reason}")]
    private static partial void LogForwardFailed(ILogger logger, int edges, string reason);
}
