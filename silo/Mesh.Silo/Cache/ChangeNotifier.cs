using Mesh.Grains.Changes;
using Orleans.Runtime;
using Orleans.Streams;

namespace Mesh.Silo.Cache;

/// <summary>
/// Tells the cluster that this silo committed a revision: its own change feed wakes at once, and every other silo
/// through the change stream. Publishing never delays or fails the write that caused it; a lost notice only means the
/// other silos see the change at their next change-log poll.
/// </summary>
internal sealed partial class ChangeNotifier(ChangeFeedService feed, IClusterClient cluster, SiloOptions options, ILogger<ChangeNotifier> logger) : IChangeAnnouncer
{
    private IAsyncStream<ChangeNotice>? _stream;

    public void Committed(long revision)
    {
        feed.Wake();
        _ = PublishAsync(revision);
    }

    private async Task PublishAsync(long revision)
    {
        try
        {
            _stream ??= cluster.GetStreamProvider(ChangeStream.Provider).GetStream<ChangeNotice>(StreamId.Create(ChangeStream.Namespace, ChangeStream.Key));
            await _stream.OnNextAsync(new ChangeNotice(revision, options.SiloId));
        }
        catch (Exception ex)
        {
            LogPublishFailed(logger, revision, ex.Message);
        }
    }

    [LoggerMessage(EventId = 112, Level = LogLevel.Warning, Message = "Change notice for revision {Revision} not published ({Reason}); other silos see it at their next poll")]
    private static partial void LogPublishFailed(ILogger logger, long revision, string reason);
}
