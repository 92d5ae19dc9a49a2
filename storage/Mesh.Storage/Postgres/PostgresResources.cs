using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres.Writes;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Storage.Postgres;

/// <summary>Point reads, lists and the lease operations on <c>mesh_resources</c>.</summary>
internal sealed class PostgresResources(PostgresConnections connections)
{
    public Task<StoredResource?> GetAsync(ResourceKey key, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand($"SELECT {ResourceRows.Columns} FROM mesh_resources r WHERE r.kind = @kind AND r.namespace = @namespace AND r.name = @name", connection);
            command.Parameters.AddWithValue("kind", key.Kind);
            command.Parameters.AddWithValue("namespace", key.Namespace);
            command.Parameters.AddWithValue("name", key.Name);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken) ? ResourceRows.ReadStored(reader) : null;
        }, cancellationToken);

    public Task<IReadOnlyList<StoredResource>> ListAsync(ResourceQuery query, CancellationToken cancellationToken) =>
        connections.RunAsync<IReadOnlyList<StoredResource>>(async connection =>
        {
            await using var command = new NpgsqlCommand { Connection = connection };
            var sql = new System.Text.StringBuilder($"SELECT {ResourceRows.Columns} FROM mesh_resources r WHERE r.kind = @kind");
            command.Parameters.AddWithValue("kind", query.Kind);
            if (query.Namespace is not null)
            {
                sql.Append(" AND r.namespace = @namespace");
                command.Parameters.AddWithValue("namespace", query.Namespace);
            }

            if (query.Labels is { Count: > 0 } labels)
            {
                sql.Append(" AND r.labels @> @labels");
                command.Parameters.Add(new NpgsqlParameter("labels", NpgsqlDbType.Jsonb) { Value = ResourceRows.MapJson(labels) });
            }

            if (query.Service is not null)
            {
                sql.Append(" AND r.spec->>'service' = @service");
                command.Parameters.AddWithValue("service", query.Service);
            }

            if (query.After is { } after)
            {
                sql.Append(" AND (r.namespace, r.name) > (@after_namespace, @after_name)");
                command.Parameters.AddWithValue("after_namespace", after.Namespace);
                command.Parameters.AddWithValue("after_name", after.Name);
            }

            sql.Append(" ORDER BY r.namespace, r.name");
            if (query.Limit is { } limit)
            {
                sql.Append(" LIMIT @limit");
                command.Parameters.AddWithValue("limit", limit);
            }

            command.CommandText = sql.ToString();

            var list = new List<StoredResource>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(ResourceRows.ReadStored(reader));
            }

            return list;
        }, cancellationToken);

    public Task<IReadOnlyList<ResourceKey>> RenewLeasesAsync(IReadOnlyList<ResourceKey> keys, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        connections.RunAsync<IReadOnlyList<ResourceKey>>(async connection =>
        {
            // Rows are locked in key order, the same order the write batches lock them in, so the two cannot deadlock.
            await using var command = new NpgsqlCommand("""
                WITH target AS (
                    SELECT r.kind, r.namespace, r.name
                    FROM mesh_resources r
                    JOIN unnest(@kinds, @namespaces, @names) AS k(kind, namespace, name)
                      ON r.kind = k.kind AND r.namespace = k.namespace AND r.name = k.name
                    ORDER BY r.kind, r.namespace, r.name
                    FOR UPDATE OF r)
                UPDATE mesh_resources r SET lease_expires_at = @expiresAt
                FROM target t
                WHERE r.kind = t.kind AND r.namespace = t.namespace AND r.name = t.name
                RETURNING r.kind, r.namespace, r.name
                """, connection);
            ResourceRows.AddKeyArrays(command.Parameters, keys);
            command.Parameters.AddWithValue("expiresAt", NpgsqlDbType.TimestampTz, expiresAt.UtcDateTime);
            var renewed = new HashSet<ResourceKey>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                renewed.Add(ResourceRows.ReadKey(reader));
            }

            return keys.Where(k => !renewed.Contains(k)).ToList();
        }, cancellationToken);

    public Task<DateTimeOffset?> NextLeaseExpiryAsync(LeasePartition partition, CancellationToken cancellationToken) =>
        connections.RunAsync<DateTimeOffset?>(async connection =>
        {
            // Walks the lease index in expiry order and stops at the partition's first row.
            await using var command = new NpgsqlCommand($"""
                SELECT r.lease_expires_at FROM mesh_resources r
                WHERE r.lease_expires_at IS NOT NULL AND {LeasePartitionSql.Filter}
                ORDER BY r.lease_expires_at
                LIMIT 1
                """, connection);
            LeasePartitionSql.AddParameters(command.Parameters, partition);
            return await command.ExecuteScalarAsync(cancellationToken) is DateTime next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : null;
        }, cancellationToken);

    /// <summary>
    /// Deletes expired rows of one partition as one revision-creating write. It takes the revision lock like any
    /// write, and skips rows another transaction holds (a lease renewal in flight), so sweeps never collide.
    /// </summary>
    public Task<IReadOnlyList<ResourceKey>> ExpireLeasesAsync(DateTimeOffset now, int limit, LeasePartition partition, CancellationToken cancellationToken) =>
        connections.RunAsync<IReadOnlyList<ResourceKey>>(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var expired = new List<ResourceKey>();
            long revision;
            await using (var delete = new NpgsqlBatch(connection, transaction))
            {
                delete.BatchCommands.Add(new NpgsqlBatchCommand(ChangeLogSql.LockRevision));
                var command = new NpgsqlBatchCommand($"""
                    WITH expired AS (
                        SELECT kind, namespace, name FROM mesh_resources r
                        WHERE r.lease_expires_at < @now AND {LeasePartitionSql.Filter}
                        ORDER BY r.lease_expires_at
                        LIMIT @limit
                        FOR UPDATE SKIP LOCKED)
                    DELETE FROM mesh_resources r USING expired e
                    WHERE r.kind = e.kind AND r.namespace = e.namespace AND r.name = e.name
                    RETURNING r.kind, r.namespace, r.name
                    """);
                command.Parameters.AddWithValue("now", NpgsqlDbType.TimestampTz, now.UtcDateTime);
                command.Parameters.AddWithValue("limit", Math.Max(0, limit));
                LeasePartitionSql.AddParameters(command.Parameters, partition);
                delete.BatchCommands.Add(command);
                await using var reader = await delete.ExecuteReaderAsync(cancellationToken);
                await reader.ReadAsync(cancellationToken);
                revision = reader.GetInt64(0) + 1;
                await reader.NextResultAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    expired.Add(ResourceRows.ReadKey(reader));
                }
            }

            if (expired.Count == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                return expired;
            }

            await using (var record = new NpgsqlBatch(connection, transaction))
            {
                ChangeLogSql.AddRecord(record, expired.Select(k => (revision, k, true)).ToList(), revision);
                await record.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return expired;
        }, cancellationToken);
}
