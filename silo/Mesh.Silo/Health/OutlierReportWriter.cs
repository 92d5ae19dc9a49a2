using System.Threading.Channels;
using Mesh.Contracts.Registry;
using Mesh.Storage.Abstractions;
using Microsoft.Extensions.Hosting;

namespace Mesh.Silo.Health;

/// <summary>
/// Stores the outlier reports of every session off the receive loops: a slow or unreachable database must never
/// hold up ACKs. Reports are observations, not configuration, so a full queue or a store outage drops them; the
/// sidecars periodically re-assert what they still eject.
/// </summary>
internal sealed partial class OutlierReportWriter(IOutlierReportStore store, TimeProvider timeProvider, ILogger<OutlierReportWriter> logger) : BackgroundService
{
    private readonly Channel<(string Reporter, OutlierObservation Frame)> _queue = Channel.CreateBounded<(string, OutlierObservation)>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public void Enqueue(string reporter, OutlierObservation frame) => _queue.Writer.TryWrite((reporter, frame));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var (reporter, frame) in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await StoreAsync(reporter, frame, stoppingToken);
                }
                catch (StoreUnavailableException ex)
                {
                    LogDropped(logger, reporter, frame.Namespace, frame.Endpoint, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task StoreAsync(string reporter, OutlierObservation frame, CancellationToken cancellationToken)
    {
        if (!frame.Ejected)
        {
            return store.RemoveOutlierReportAsync(reporter, frame.Namespace, frame.Endpoint, cancellationToken);
        }

        LogEjected(logger, reporter, frame.Namespace, frame.Endpoint, frame.Reason ?? "");
        return store.UpsertOutlierReportAsync(new OutlierReport
        {
            Reporter = reporter,
            Namespace = frame.Namespace,
            Endpoint = frame.Endpoint,
            Since = timeProvider.GetUtcNow(),
            Until = frame.Until,
            Reason = frame.Reason ?? "",
        }, cancellationToken);
    }

    [LoggerMessage(EventId = 700, Level = LogLevel.Information, Message = "Subscriber {Reporter} ejects endpoint {Namespace}/{Endpoint}: {Reason}")]
    private static partial void LogEjected(ILogger logger, string reporter, string @namespace, string endpoint, string reason);

    [LoggerMessage(EventId = 701, Level = LogLevel.Warning, Message = "Outlier report of {Reporter} for {Namespace}/{Endpoint} dropped: {Reason}")]
    private static partial void LogDropped(ILogger logger, string reporter, string @namespace, string endpoint, string reason);
}
