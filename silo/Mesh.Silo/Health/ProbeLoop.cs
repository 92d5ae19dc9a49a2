using Mesh.Contracts.Registry;

namespace Mesh.Silo.Health;

/// <summary>
/// Probes one endpoint at its check's interval (fixed rate, first probe at a random point of the first interval so
/// a takeover does not probe every endpoint at once) and hands health changes to the writer.
/// </summary>
internal sealed class ProbeLoop
{
    private readonly CancellationTokenSource _stop = new();
    private readonly EndpointHealthTracker _tracker;
    private readonly Prober _prober;
    private readonly HealthWriter _writer;
    private readonly SemaphoreSlim _concurrency;
    private readonly TimeProvider _time;
    private ProbeTarget _target;
    private int _stopped;

    public ProbeLoop(ProbeTarget target, Prober prober, HealthWriter writer, SemaphoreSlim concurrency, DampingOptions damping, TimeProvider time)
    {
        _target = target;
        _prober = prober;
        _writer = writer;
        _concurrency = concurrency;
        _time = time;
        _tracker = new EndpointHealthTracker(target.StoredHealth, new FlapDamper(damping, time));
        Completion = Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>The latest view of the endpoint; the next probe uses it.</summary>
    public ProbeTarget Target
    {
        get => Volatile.Read(ref _target);
        set => Volatile.Write(ref _target, value);
    }

    public Task Completion { get; }

    public void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            _stop.Cancel();
            _ = Completion.ContinueWith(_ => _stop.Dispose(), TaskScheduler.Default);
        }
    }

    private async Task RunAsync(CancellationToken token)
    {
        try
        {
            var next = _time.GetTimestamp() + (long)(Random.Shared.NextDouble() * Target.Policy.Interval.TotalSeconds * _time.TimestampFrequency);
            while (true)
            {
                var wait = _time.GetElapsedTime(_time.GetTimestamp(), next);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _time, token);
                }

                var target = Target;
                next = _time.GetTimestamp() + (long)(target.Policy.Interval.TotalSeconds * _time.TimestampFrequency);
                await ProbeOnceAsync(target, token);
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task ProbeOnceAsync(ProbeTarget target, CancellationToken token)
    {
        bool healthy;
        await _concurrency.WaitAsync(token);
        try
        {
            healthy = await _prober.ProbeAsync(target, token);
        }
        finally
        {
            _concurrency.Release();
        }

        _tracker.Record(healthy, target.Policy.HealthyThreshold, target.Policy.UnhealthyThreshold);
        var health = _tracker.Current;
        if (health != EndpointHealth.Unknown && health != Target.StoredHealth)
        {
            _writer.Enqueue(target.Key, target.Shard, health);
        }
    }
}
