namespace Mesh.SimLlm.Engine;

/// <summary>
/// The engine's batch: at most max-num-seqs sequences run at once; the rest wait in a bounded FIFO queue, and a
/// request that finds the queue full is refused at once. Grants and cancellations happen under one lock, so a waiter
/// is either granted a slot or removed from the queue, never both.
/// </summary>
internal sealed class SequenceScheduler(int maxRunning, int maxWaiting)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiting = new();
    private readonly HashSet<SequenceSlot> _running = [];

    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _running.Count;
            }
        }
    }

    public int Waiting
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>KV blocks held by running sequences: each holds its prompt and generated tokens, rounded up to blocks.</summary>
    public long BlocksInUse
    {
        get
        {
            lock (_lock)
            {
                return _running.Sum(s => (long)Math.Ceiling(s.Tokens / (double)PrefixCache.BlockSize));
            }
        }
    }

    /// <summary>The distinct models of the running and of the waiting requests (for vLLM's LoRA info metric).</summary>
    public (IReadOnlyList<string> Running, IReadOnlyList<string> Waiting) Models()
    {
        lock (_lock)
        {
            return (_running.Select(s => s.Model).Distinct().Order(StringComparer.Ordinal).ToList(),
                _waiting.Select(w => w.Model).Distinct().Order(StringComparer.Ordinal).ToList());
        }
    }

    /// <summary>A slot for a request to <paramref name="model"/>, once one is free; null at once when the queue is full.</summary>
    public async ValueTask<SequenceSlot?> AcquireAsync(string model, CancellationToken cancellationToken)
    {
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            if (_running.Count < maxRunning && _waiting.Count == 0)
            {
                return Start(model);
            }

            if (_waiting.Count >= maxWaiting)
            {
                return null;
            }

            node = _waiting.AddLast(new Waiter(model, new TaskCompletionSource<SequenceSlot>(TaskCreationOptions.RunContinuationsAsynchronously)));
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_lock)
            {
                if (node.List is not null)
                {
                    _waiting.Remove(node);
                    node.Value.Slot.TrySetCanceled(cancellationToken);
                }
            }
        });
        return await node.Value.Slot.Task;
    }

    private SequenceSlot Start(string model)
    {
        var slot = new SequenceSlot(this, model);
        _running.Add(slot);
        return slot;
    }

    internal void Release(SequenceSlot slot)
    {
        lock (_lock)
        {
            if (!_running.Remove(slot))
            {
                return;
            }

            if (_waiting.First is { } next)
            {
                _waiting.RemoveFirst();
                next.Value.Slot.SetResult(Start(next.Value.Model));
            }
        }
    }
}

internal sealed record Waiter(string Model, TaskCompletionSource<SequenceSlot> Slot);

/// <summary>A running sequence; disposing it frees its slot for the next waiter.</summary>
internal sealed class SequenceSlot(SequenceScheduler scheduler, string model) : IDisposable
{
    public string Model => model;

    private int _tokens;

    /// <summary>Prompt plus generated tokens: what the sequence holds in the KV cache.</summary>
    public int Tokens => Volatile.Read(ref _tokens);

    public void AddTokens(int count) => Interlocked.Add(ref _tokens, count);

    public void Dispose() => scheduler.Release(this);
}
