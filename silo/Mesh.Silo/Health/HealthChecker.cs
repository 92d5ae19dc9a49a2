using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Health;

/// <summary>
/// Keeps one <see cref="ProbeLoop"/> per endpoint this silo must probe: endpoints with a health check in the health
/// partitions active here. Rescans when the cache or the active partitions change (at most every
/// <see cref="RescanPause"/>, since a rescan walks every resource), and every partition check interval as a backstop.
/// </summary>
internal sealed partial class HealthChecker(
    ResourceCache cache,
    ShardOwnership ownership,
    Prober prober,
    HealthWriter writer,
    HealthMetrics metrics,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<HealthChecker> logger) : BackgroundService
{
    private static readonly TimeSpan RescanPause = TimeSpan.FromMilliseconds(100);
    private readonly Dictionary<ResourceKey, ProbeLoop> _loops = [];
    private readonly HealthTargets _targets = new(options.Health.Shards);
    private readonly SemaphoreSlim _concurrency = new(Math.Max(1, options.Health.MaxConcurrentProbes));

    private int _probing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await cache.Loaded.WaitAsync(stoppingToken);
            while (true)
            {
                var changed = Task.WhenAny(cache.Changed, ownership.Changed, Task.Delay(options.Health.PartitionCheckInterval, timeProvider, stoppingToken));
                try
                {
                    Rescan();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Probing must never take the silo down; the next change or tick rescans.
                    LogRescanFailed(logger, ex);
                }

                await changed.WaitAsync(stoppingToken);
                await Task.Delay(RescanPause, timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            StopAll();
        }
    }

    /// <summary>Stops every probe at once (graceful shutdown, before the partitions leave this silo).</summary>
    public void StopAll()
    {
        lock (_loops)
        {
            foreach (var loop in _loops.Values)
            {
                loop.Stop();
            }

            _loops.Clear();
            Volatile.Write(ref _probing, 0);
            metrics.SetEndpointsProbed(0);
        }
    }

    private void Rescan()
    {
        var targets = _targets.Find(cache, ownership.Holds);
        lock (_loops)
        {
            var seen = new HashSet<ResourceKey>();
            foreach (var target in targets)
            {
                seen.Add(target.Key);
                if (_loops.TryGetValue(target.Key, out var loop))
                {
                    loop.Target = target;
                }
                else
                {
                    _loops[target.Key] = new ProbeLoop(target, prober, writer, _concurrency, options.Health.Damping, timeProvider);
                }
            }

            foreach (var gone in _loops.Keys.Where(k => !seen.Contains(k)).ToList())
            {
                _loops[gone].Stop();
                _loops.Remove(gone);
            }

            if (_loops.Count != _probing)
            {
                LogProbing(logger, _loops.Count, ownership.Count);
            }

            Volatile.Write(ref _probing, _loops.Count);
            metrics.SetEndpointsProbed(_loops.Count);
        }
    }

    [LoggerMessage(EventId = 621, Level = LogLevel.Error, Message = "Health-check rescan failed")]
    private static partial void LogRescanFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 620, Level = LogLevel.Information, Message = "Probing {Endpoints} endpoints in {Shards} health partitions")]
    private static partial void LogProbing(ILogger logger, int endpoints, int shards);
}
