using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Storage.Postgres;

/// <summary>
/// LISTENs for committed revisions on a dedicated connection. Notifications are only wake-ups (the change log is
/// the truth), so after every (re)connect it reports the current revision to cover anything missed while away.
/// </summary>
internal sealed class PostgresChangeWatcher(PostgresConnections connections, PostgresStoreOptions options, TimeProvider timeProvider, ILogger logger)
{
    public async Task WatchAsync(Func<long, ValueTask> onRevision, CancellationToken cancellationToken)
    {
        var backoff = options.WatchInitialBackoff;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(onRevision, () => backoff = options.WatchInitialBackoff, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (PostgresConnections.IsUnavailable(e))
            {
                PostgresLog.WatchDisconnected(logger, backoff, e);
                try
                {
                    await Task.Delay(backoff, timeProvider, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.WatchMaxBackoff.Ticks));
            }
        }
    }

    private async Task ListenAsync(Func<long, ValueTask> onRevision, Action connected, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connections.WatchConnectionString);
        long newest = -1;
        connection.Notification += (_, e) =>
        {
            if (long.TryParse(e.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) && revision > newest)
            {
                newest = revision;
            }
        };

        await connection.OpenAsync(cancellationToken);
        await using (var listen = new NpgsqlCommand($"LISTEN \"{options.ChangeLogNotifyChannel.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var current = new NpgsqlCommand("SELECT value FROM mesh_meta WHERE key = 'revision'", connection))
        {
            newest = (long)(await current.ExecuteScalarAsync(cancellationToken))!;
        }

        PostgresLog.WatchListening(logger, options.ChangeLogNotifyChannel);
        connected();
        var reported = long.MinValue;
        while (true)
        {
            // Several notifications that arrived together are reported once, as the newest revision.
            if (newest > reported)
            {
                reported = newest;
                await onRevision(reported);
            }

            await connection.WaitAsync(cancellationToken);
        }
    }
}
