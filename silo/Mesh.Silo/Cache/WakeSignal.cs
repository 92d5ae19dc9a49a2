namespace Mesh.Silo.Cache;

/// <summary>
/// A coalescing wake-up: any number of <see cref="Set"/> calls before the next wait release it once, because one
/// pass of the waiting loop covers every request made so far.
/// </summary>
internal sealed class WakeSignal
{
    private readonly SemaphoreSlim _semaphore = new(0, 1);

    public void Set()
    {
        try
        {
            _semaphore.Release();
        }
        catch (SemaphoreFullException)
        {
        }
    }

    /// <summary>Waits for a <see cref="Set"/> or the timeout; true when set.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _semaphore.WaitAsync(timeout, cancellationToken);
}
