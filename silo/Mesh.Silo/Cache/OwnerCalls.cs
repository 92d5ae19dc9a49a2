using Mesh.Grains.Resources;
using Orleans.Runtime;

namespace Mesh.Silo.Cache;

/// <summary>
/// Calls the grain that owns a resource, and calls it again while the call cannot be delivered. Right after a silo
/// dies, the cluster's directory still names it as the home of the owners it held, and a call to one of them is
/// rejected until Orleans declares that silo dead (about two seconds with Mesh's settings) and places the owner on a
/// survivor. A rejected call was never run, so sending it again is safe; a write through a survivor then succeeds, as
/// it did when writes went straight to the store, instead of failing with a 503.
/// </summary>
internal sealed partial class OwnerCalls(SiloOptions options, TimeProvider timeProvider, ILogger<OwnerCalls> logger)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(500);

    public async Task<ResourceWriteResult> SendAsync(Func<Task<ResourceWriteResult>> call, CancellationToken cancellationToken)
    {
        // As long as one grain call may take: beyond that the caller is better served by the 503 and its own retry.
        var giveUpAt = timeProvider.GetUtcNow() + options.Orleans.ResponseTimeout;
        var pause = FirstPause;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (OrleansMessageRejectionException ex) when (timeProvider.GetUtcNow() + pause < giveUpAt)
            {
                LogUndelivered(logger, attempt, ex.Message);
                await Task.Delay(pause, timeProvider, cancellationToken);
                pause = pause * 2 < LongestPause ? pause * 2 : LongestPause;
            }
        }
    }

    [LoggerMessage(EventId = 660, Level = LogLevel.Information, Message = "A write's owning grain could not be reached (attempt {Attempt}), sending it again: {Reason}")]
    private static partial void LogUndelivered(ILogger logger, int attempt, string reason);
}
