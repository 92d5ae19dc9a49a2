namespace Mesh.Sidecar.Configuration;

/// <summary>
/// The current routing table. Requests read <see cref="Current"/> once and keep that instance; a swap replaces the
/// reference atomically and never disposes anything a running request could still use.
/// </summary>
internal sealed class ProxyConfigHolder
{
    private volatile RuntimeConfig _current = RuntimeConfig.Empty;
    private volatile string _origin = "none";

    public RuntimeConfig Current => _current;

    /// <summary>Where the current configuration came from: none, state-file or silo.</summary>
    public string Origin => _origin;

    private TaskCompletionSource _swapped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool HasConfig => _origin != "none";

    /// <summary>Completes at the next swap (take it before reading <see cref="Current"/> so no swap is missed).</summary>
    public Task NextSwap => _swapped.Task;

    public void Swap(RuntimeConfig next, string origin)
    {
        _current = next;
        _origin = origin;
        Interlocked.Exchange(ref _swapped, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
