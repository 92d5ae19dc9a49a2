namespace Mesh.Silo.Health;

/// <summary>
/// The health partitions active on this silo right now, each with the generation of its activation. The partition
/// grains add and remove themselves; <see cref="HealthChecker"/> probes what is here.
/// </summary>
internal sealed class ShardOwnership
{
    private readonly Lock _gate = new();
    private readonly Dictionary<int, long> _held = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the set of held partitions changes.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
            {
                return _changed.Task;
            }
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _held.Count;
            }
        }
    }

    public void Add(int shard, long generation) => Change(held => held[shard] = generation);

    /// <summary>Removes the partition unless a newer activation already replaced this one.</summary>
    public void Remove(int shard, long generation) =>
        Change(held =>
        {
            if (held.TryGetValue(shard, out var current) && current == generation)
            {
                held.Remove(shard);
            }
        });

    public bool Holds(int shard) => TryGetToken(shard, out _);

    public bool TryGetToken(int shard, out long generation)
    {
        lock (_gate)
        {
            return _held.TryGetValue(shard, out generation);
        }
    }

    private void Change(Action<Dictionary<int, long>> change)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            change(_held);
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
