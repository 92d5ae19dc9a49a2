using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Health;

/// <summary>
/// The shards this silo holds right now, as the last balancing step left them. Each lease carries a local deadline
/// (store expiry turned into this silo's clock), and a shard past it is treated as lost even before the next step,
/// so a silo cut off from the database stops probing on its own.
/// </summary>
internal sealed class ShardOwnership(TimeProvider timeProvider)
{
    private readonly Lock _gate = new();
    private Dictionary<int, (long Token, long Deadline)> _held = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the set of held shards changes.</summary>
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

    /// <summary>Records a balancing step that started at local timestamp <paramref name="startedAt"/>.</summary>
    public void Update(ShardBalance balance, long startedAt)
    {
        var held = new Dictionary<int, (long, long)>();
        foreach (var lease in balance.Held)
        {
            // Measured from before the call, so the local deadline is never later than the store's expiry.
            var remaining = lease.ExpiresAt - balance.StoreNow;
            held[lease.Shard] = (lease.FencingToken, startedAt + (long)(remaining.TotalSeconds * timeProvider.TimestampFrequency));
        }

        Replace(held);
    }

    public void Clear() => Replace([]);

    public bool Holds(int shard) => TryGetToken(shard, out _);

    public bool TryGetToken(int shard, out long token)
    {
        lock (_gate)
        {
            if (_held.TryGetValue(shard, out var lease) && timeProvider.GetTimestamp() < lease.Deadline)
            {
                token = lease.Token;
                return true;
            }
        }

        token = 0;
        return false;
    }

    private void Replace(Dictionary<int, (long, long)> held)
    {
        TaskCompletionSource previous;
        lock (_gate)
        {
            var same = held.Count == _held.Count && held.All(h => _held.TryGetValue(h.Key, out var old) && old.Token == h.Value.Item1);
            _held = held;
            if (same)
            {
                return;
            }

            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }
}
