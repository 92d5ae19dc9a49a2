using Mesh.Contracts.Registry;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Storage.Postgres;

/// <summary>Passive-health reports (<c>mesh_outlier_reports</c>); a trigger drops a reporter's rows with its subscriber row.</summary>
internal sealed class PostgresOutlierReports(PostgresConnections connections)
{
    public Task UpsertAsync(OutlierReport report, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO mesh_outlier_reports (reporter, namespace, endpoint, ejected_at, until, reason)
                VALUES (@reporter, @namespace, @endpoint, @since, @until, @reason)
                ON CONFLICT (reporter, namespace, endpoint) DO UPDATE SET
                  ejected_at = EXCLUDED.ejected_at, until = EXCLUDED.until, reason = EXCLUDED.reason
                """, connection);
            var p = command.Parameters;
            p.AddWithValue("reporter", report.Reporter);
            p.AddWithValue("namespace", report.Namespace);
            p.AddWithValue("endpoint", report.Endpoint);
            p.AddWithValue("since", NpgsqlDbType.TimestampTz, report.Since.UtcDateTime);
            p.Add(new NpgsqlParameter("until", NpgsqlDbType.TimestampTz) { Value = report.Until is { } until ? (object)until.UtcDateTime : DBNull.Value });
            p.AddWithValue("reason", report.Reason);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task RemoveAsync(string reporter, string @namespace, string endpoint, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "DELETE FROM mesh_outlier_reports WHERE reporter = @reporter AND namespace = @namespace AND endpoint = @endpoint", connection);
            command.Parameters.AddWithValue("reporter", reporter);
            command.Parameters.AddWithValue("namespace", @namespace);
            command.Parameters.AddWithValue("endpoint", endpoint);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<IReadOnlyList<OutlierReport>> ListAsync(string? @namespace, string? endpoint, CancellationToken cancellationToken) =>
        connections.RunAsync<IReadOnlyList<OutlierReport>>(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT reporter, namespace, endpoint, ejected_at, until, reason FROM mesh_outlier_reports
                WHERE (@namespace::text IS NULL OR namespace = @namespace) AND (@endpoint::text IS NULL OR endpoint = @endpoint)
                ORDER BY namespace, endpoint, reporter
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("namespace", NpgsqlDbType.Text) { Value = (object?)@namespace ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("endpoint", NpgsqlDbType.Text) { Value = (object?)endpoint ?? DBNull.Value });
            var reports = new List<OutlierReport>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                reports.Add(new OutlierReport
                {
                    Reporter = reader.GetString(0),
                    Namespace = reader.GetString(1),
                    Endpoint = reader.GetString(2),
                    Since = ResourceRows.ToOffset(reader.GetDateTime(3)),
                    Until = ResourceRows.ToOffsetOrNull(reader, 4),
                    Reason = reader.GetString(5),
                });
            }

            return reports;
        }, cancellationToken);
}
