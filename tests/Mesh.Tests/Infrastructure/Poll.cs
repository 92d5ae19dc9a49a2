namespace Mesh.Tests.Infrastructure;

/// <summary>Polling with a deadline: how tests wait for something that has no event to await.</summary>
internal static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    /// <summary>Calls <paramref name="probe"/> until it returns non-null, or fails with <paramref name="describeFailure"/>.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T?>> probe, TimeSpan timeout, Func<string> describeFailure, Func<string?>? abort = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        Exception? last = null;
        while (true)
        {
            try
            {
                if (await probe() is { } value)
                {
                    return value;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException or System.Net.WebSockets.WebSocketException)
            {
                last = ex;
            }

            if (abort?.Invoke() is { } reason)
            {
                throw new InvalidOperationException(reason);
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException(describeFailure() + (last is null ? "" : $" (last error: {last.Message})"));
            }

            await Task.Delay(Interval);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds.</summary>
    public static Task UntilTrueAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describeFailure) =>
        UntilAsync(async () => await condition() ? "" : null, timeout, describeFailure);
}
