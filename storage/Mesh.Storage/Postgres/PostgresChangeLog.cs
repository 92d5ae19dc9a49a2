using System.Data;
using Mesh.Storage.Abstractions;
using Npgsql;

namespace Mesh.Storage.Postgres;

/// <summary>
/// Reads of the revision-ordered state. Snapshots and change pages run in a REPEATABLE READ transaction so the
/// revision they report and the rows they return come from one database snapshot; since writers commit in
/// revision order, that snapshot holds every revision up to the one it reports and none above.
/// </summary>
internal sealed class PostgresChangeLog(PostgresConnections connections)
{
    // The page ends with the revision of the limit-th change row (so a revision is never split), or at the current
    // revision when fewer rows remain. Upsert rows whose resource has changed since are superseded and skipped.
    private const string PageSql = """
        WITH meta AS (
            SELECT (SELECT value FROM mesh_meta WHERE key = 'revision') AS revision,
                   (SELECT value FROM mesh_meta WHERE key = 'compacted_revision') AS compacted),
        bound AS (
            SELECT revision FROM mesh_changes WHERE revision > @after ORDER BY revision OFFSET @skip LIMIT 1)
        SELECT meta.revision, meta.compacted, bound.revision,
               EXISTS (SELECT 1 FROM mesh_changes c WHERE c.revision > bound.revision)
        FROM meta LEFT JOIN bound ON true
        """;

    private const string ChangesSql = $"""
        WITH meta AS (SELECT value AS revision FROM mesh_meta WHERE key = 'revision'),
        bound AS (
            SELECT revision FROM mesh_changes WHERE revision > @after ORDER BY revision OFFSET @skip LIMIT 1)
        SELECT c.revision, c.kind, c.namespace, c.name, c.deleted, {ResourceRows.Columns}
        FROM mesh_changes c
        LEFT JOIN mesh_resources r
          ON NOT c.deleted AND r.kind = c.kind AND r.namespace = c.namespace AND r.name = c.name AND r.version = c.revision
        WHERE c.revision > @after
          AND c.revision <= COALESCE((SELECT revision FROM bound), (SELECT revision FROM meta))
          AND (c.deleted OR r.version IS NOT NULL)
        ORDER BY c.revision, c.kind, c.namespace, c.name
        """;

    public Task<ChangePage> ReadChangesAsync(long afterRevision, int limit, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction);
            foreach (var sql in new[] { PageSql, ChangesSql })
            {
                var command = new NpgsqlBatchCommand(sql);
                command.Parameters.AddWithValue("after", afterRevision);
                command.Parameters.AddWithValue("skip", Math.Max(1, limit) - 1);
                batch.BatchCommands.Add(command);
            }

            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var revision = reader.GetInt64(0);
            var compacted = reader.GetInt64(1);
            long? bound = reader.IsDBNull(2) ? null : reader.GetInt64(2);
            var hasMore = bound is not null && reader.GetBoolean(3);
            if (afterRevision < compacted || afterRevision > revision)
            {
                return new ChangePage(revision, [], Compacted: true, HasMore: false);
            }

            await reader.NextResultAsync(cancellationToken);
            var changes = new List<ChangeEntry>();
            while (await reader.ReadAsync(cancellationToken))
            {
                var key = ResourceRows.ReadKey(reader, 1);
                changes.Add(new ChangeEntry(reader.GetInt64(0), key, reader.GetBoolean(4) ? null : ResourceRows.ReadResource(reader, 5)));
            }

            return new ChangePage(hasMore ? bound!.Value : revision, changes, Compacted: false, hasMore);
        }, cancellationToken);

    public Task<StoreSnapshot> ReadSnapshotAsync(CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using var batch = new NpgsqlBatch(connection, transaction);
            batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT value FROM mesh_meta WHERE key = 'revision'"));
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"SELECT {ResourceRows.Columns} FROM mesh_resources r ORDER BY r.kind, r.namespace, r.name"));
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var revision = reader.GetInt64(0);
            await reader.NextResultAsync(cancellationToken);
            var resources = new List<StoredResource>();
            while (await reader.ReadAsync(cancellationToken))
            {
                resources.Add(ResourceRows.ReadStored(reader));
            }

            return new StoreSnapshot(revision, resources);
        }, cancellationToken);

    public Task<long> GetRevisionAsync(CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT value FROM mesh_meta WHERE key = 'revision'", connection);
            return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);

    public Task<long> CompactAsync(long upToRevision, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            long point;
            await using (var advance = new NpgsqlCommand("""
                UPDATE mesh_meta
                SET value = GREATEST(value, LEAST(@upTo, (SELECT value FROM mesh_meta WHERE key = 'revision')))
                WHERE key = 'compacted_revision'
                RETURNING value
                """, connection, transaction))
            {
                advance.Parameters.AddWithValue("upTo", upToRevision);
                point = (long)(await advance.ExecuteScalarAsync(cancellationToken))!;
            }

            await using (var delete = new NpgsqlCommand("DELETE FROM mesh_changes WHERE revision <= @point", connection, transaction))
            {
                delete.Parameters.AddWithValue("point", point);
                await delete.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return point;
        }, cancellationToken);
}
