using Mesh.Storage.Abstractions;

namespace Mesh.Silo;

/// <summary>
/// Applies the database migrations before anything else starts, retrying while the database is unreachable: Orleans'
/// ADO.NET membership needs its tables to join the cluster. The embedded store has nothing to migrate.
/// </summary>
internal sealed partial class SchemaMigrationService(IMeshStore store, TimeProvider timeProvider, ILogger<SchemaMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await store.InitializeAsync(cancellationToken);
                return;
            }
            catch (StoreUnavailableException ex)
            {
                LogWaiting(logger, ex.Message);
                await Task.Delay(delay, timeProvider, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 710, Level = LogLevel.Warning, Message = "Waiting for the database before joining the cluster: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string reason);
}
