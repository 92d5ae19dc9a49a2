using System.Collections.Concurrent;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>Steady concurrent traffic through a sidecar, recording every response, until stopped.</summary>
internal sealed class LoadLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _workers;
    private long _succeeded;
    private int _generation;

    public LoadLoop(HttpClient client, string url, int concurrency = 4)
    {
        _workers = [.. Enumerable.Range(0, concurrency).Select(_ => Task.Run(() => RunAsync(client, url)))];
    }

    public long Succeeded => Interlocked.Read(ref _succeeded);
    public ConcurrentQueue<string> Failures { get; } = new();
    public ConcurrentDictionary<string, int> Versions { get; } = new();

    /// <summary>
    /// Forgets the versions seen so far; from now on only requests that start after this call are counted, so a
    /// response to a request sent under an earlier configuration cannot appear in the new count.
    /// </summary>
    public void ResetVersions()
    {
        Interlocked.Increment(ref _generation);
        Versions.Clear();
    }

    /// <summary>Waits until at least <paramref name="more"/> further requests succeeded (traffic really flows).</summary>
    public Task WaitForMoreAsync(int more)
    {
        var target = Succeeded + more;
        return Infrastructure.Poll.UntilTrueAsync(() => Task.FromResult(Succeeded >= target || !Failures.IsEmpty), TimeSpan.FromSeconds(30),
            () => $"load stalled at {Succeeded} requests");
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_workers);
    }

    private async Task RunAsync(HttpClient client, string url)
    {
        while (!_stop.IsCancellationRequested)
        {
            var generation = Volatile.Read(ref _generation);
            try
            {
                using var response = await client.GetAsync(url, CancellationToken.None);
                var body = await response.Content.ReadAsStringAsync();
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref _succeeded);
                    if (generation == Volatile.Read(ref _generation))
                    {
                        Versions.AddOrUpdate(body, 1, (_, n) => n + 1);
                    }
                }
                else
                {
                    Failures.Enqueue($"{(int)response.StatusCode} {body}");
                }
            }
            catch (HttpRequestException ex)
            {
                Failures.Enqueue(ex.Message);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }
}
