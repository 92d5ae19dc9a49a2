using Mesh.Grains.Changes;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Streams;

namespace Mesh.Silo.Cache;

/// <summary>
/// The silo's end of the change stream. Placed where it is first called (its own silo calls it at start); if a notice
/// for a dead silo's relay activates it anywhere else, it drops the subscription and deactivates.
/// </summary>
[PreferLocalPlacement]
internal sealed partial class ChangeRelayGrain(
    ChangeFeedService feed,
    ResourceCache cache,
    SiloOptions options,
    Observability.SiloMetrics metrics,
    ILogger<ChangeRelayGrain> logger) : Grain, IChangeRelayGrain, IAsyncObserver<ChangeNotice>
{
    private IAsyncStream<ChangeNotice> Stream =>
        this.GetStreamProvider(ChangeStream.Provider).GetStream<ChangeNotice>(StreamId.Create(ChangeStream.Namespace, ChangeStream.Key));

    private bool IsHome => this.GetPrimaryKeyString() == options.SiloId;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!IsHome)
        {
            await UnsubscribeAsync();
            DeactivateOnIdle();
        }
    }

    public async Task EnsureSubscribedAsync()
    {
        var handles = await Stream.GetAllSubscriptionHandles();
        if (handles.Count == 0)
        {
            await Stream.SubscribeAsync(this);
            LogSubscribed(logger);
            return;
        }

        // A handle left by an earlier activation of this grain: attach this activation to it, and drop any extras.
        await handles[0].ResumeAsync(this);
        foreach (var extra in handles.Skip(1))
        {
            await extra.UnsubscribeAsync();
        }
    }

    public async Task UnsubscribeAsync()
    {
        foreach (var handle in await Stream.GetAllSubscriptionHandles())
        {
            await handle.UnsubscribeAsync();
        }
    }

    public Task OnNextAsync(ChangeNotice item, StreamSequenceToken? token = null)
    {
        if (options.Faults.DropChangeNotices)
        {
            metrics.ChangeNotices.Add(1, new KeyValuePair<string, object?>("outcome", "dropped"));
            return Task.CompletedTask;
        }

        metrics.ChangeNotices.Add(1, new KeyValuePair<string, object?>("outcome", "received"));
        if (item.Revision > cache.Revision)
        {
            feed.Wake();
        }

        return Task.CompletedTask;
    }

    public Task OnCompletedAsync() => Task.CompletedTask;

    public Task OnErrorAsync(Exception ex)
    {
        LogStreamError(logger, ex);
        return Task.CompletedTask;
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Information, Message = "Subscribed to the cluster's change stream")]
    private static partial void LogSubscribed(ILogger logger);

    [LoggerMessage(EventId = 111, Level = LogLevel.Warning, Message = "Change stream error; the change log poll covers the gap")]
    private static partial void LogStreamError(ILogger logger, Exception exception);
}
