using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Storage.Postgres.Writes;

/// <summary>
/// Applies a batch of write requests in one transaction and two round trips: begin and lock the revision counter
/// and the touched rows (in key order, so concurrent lease renewals cannot deadlock with it); then write the final
/// rows and the change log and commit.
/// </summary>
internal sealed class WriteBatchExecutor(TimeProvider timeProvider)
{
    public async Task<WriteBatchPlan> ExecuteAsync(NpgsqlConnection connection, IReadOnlyList<WriteRequest> requests, CancellationToken cancellationToken)
    {
        // BEGIN and COMMIT are sent as SQL so they ride along with the reads and the writes: two round trips.
        try
        {
            var plan = await PlanAsync(connection, requests, cancellationToken);
            await using var write = new NpgsqlBatch(connection);
            if (plan.HasChanges)
            {
                AddUpserts(write, plan.Upserts.ToList());
                AddDeletes(write, plan.Deletes.ToList());
                ChangeLogSql.AddRecord(write, plan.Changes, plan.Revision);
                write.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            }
            else
            {
                write.BatchCommands.Add(new NpgsqlBatchCommand("ROLLBACK"));
            }

            await write.ExecuteNonQueryAsync(cancellationToken);
            return plan;
        }
        catch when (connection.FullState == System.Data.ConnectionState.Open)
        {
            // A refused statement leaves the transaction aborted; end it before the connection returns to the pool.
            try
            {
                await using var rollback = new NpgsqlCommand("ROLLBACK", connection);
                await rollback.ExecuteNonQueryAsync(CancellationToken.None);
            }
            catch (NpgsqlException)
            {
                // The connection is gone too; the server rolls the transaction back by itself.
            }

            throw;
        }
    }

    private static async Task<WriteBatchPlan> PlanAsync(NpgsqlConnection connection, IReadOnlyList<WriteRequest> requests, CancellationToken cancellationToken)
    {
        var keys = requests.SelectMany(r => r.Writes).Select(w => w.Key).Distinct().ToList();
        await using var read = new NpgsqlBatch(connection);
        read.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
        read.BatchCommands.Add(new NpgsqlBatchCommand(ChangeLogSql.LockRevision));
        var current = new NpgsqlBatchCommand("""
            SELECT r.kind, r.namespace, r.name, r.version, r.lease_expires_at
            FROM mesh_resources r
            JOIN unnest(@kinds, @namespaces, @names) AS k(kind, namespace, name)
              ON r.kind = k.kind AND r.namespace = k.namespace AND r.name = k.name
            ORDER BY r.kind, r.namespace, r.name
            FOR UPDATE OF r
            """);
        ResourceRows.AddKeyArrays(current.Parameters, keys);
        read.BatchCommands.Add(current);

        await using var reader = await read.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new InvalidOperationException("mesh_meta has no 'revision' row: the schema is not initialized");
        }

        var baseRevision = reader.GetInt64(0);
        await reader.NextResultAsync(cancellationToken);
        var existing = new Dictionary<ResourceKey, (long, DateTimeOffset?)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            existing[ResourceRows.ReadKey(reader)] = (reader.GetInt64(3), ResourceRows.ToOffsetOrNull(reader, 4));
        }

        var plan = new WriteBatchPlan(baseRevision, existing);
        foreach (var request in requests)
        {
            plan.Add(request);
        }

        return plan;
    }

    private void AddUpserts(NpgsqlBatch batch, List<(MeshResource Resource, DateTimeOffset? Lease)> rows)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var upsert = new NpgsqlBatchCommand("""
            INSERT INTO mesh_resources AS r (kind, namespace, name, api_version, labels, annotations, spec, version, lease_expires_at, key_hash, created_at, updated_at)
            SELECT u.kind, u.namespace, u.name, u.api_version, u.labels, u.annotations, u.spec, u.version, u.lease, u.key_hash, @now, @now
            FROM unnest(@kinds, @namespaces, @names, @api_versions, @labels, @annotations, @specs, @versions, @leases, @key_hashes)
              AS u(kind, namespace, name, api_version, labels, annotations, spec, version, lease, key_hash)
            ON CONFLICT (kind, namespace, name) DO UPDATE SET
              api_version = EXCLUDED.api_version, labels = EXCLUDED.labels, annotations = EXCLUDED.annotations,
              spec = EXCLUDED.spec, version = EXCLUDED.version, lease_expires_at = EXCLUDED.lease_expires_at,
              key_hash = EXCLUDED.key_hash, updated_at = EXCLUDED.updated_at
            """);
        var p = upsert.Parameters;
        ResourceRows.AddKeyArrays(p, rows.Select(r => r.Resource.Key).ToList());
        p.AddWithValue("api_versions", rows.Select(r => r.Resource.ApiVersion).ToArray());
        p.Add(new NpgsqlParameter("labels", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = rows.Select(r => ResourceRows.MapJson(r.Resource.Metadata.Labels)).ToArray() });
        p.Add(new NpgsqlParameter("annotations", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = rows.Select(r => ResourceRows.MapJson(r.Resource.Metadata.Annotations)).ToArray() });
        p.Add(new NpgsqlParameter("specs", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = rows.Select(r => ResourceRows.SpecJson(r.Resource.Spec)).ToArray() });
        p.AddWithValue("versions", rows.Select(r => r.Resource.Version).ToArray());
        p.Add(new NpgsqlParameter("leases", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = rows.Select(r => ResourceRows.ToUtc(r.Lease)).ToArray() });
        p.AddWithValue("key_hashes", rows.Select(r => LeasePartitionSql.KeyHash(r.Resource.Key)).ToArray());
        p.AddWithValue("now", NpgsqlDbType.TimestampTz, timeProvider.GetUtcNow().UtcDateTime);
        batch.BatchCommands.Add(upsert);
    }

    private static void AddDeletes(NpgsqlBatch batch, List<ResourceKey> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        var delete = new NpgsqlBatchCommand("""
            DELETE FROM mesh_resources r
            USING unnest(@kinds, @namespaces, @names) AS d(kind, namespace, name)
            WHERE r.kind = d.kind AND r.namespace = d.namespace AND r.name = d.name
            """);
        ResourceRows.AddKeyArrays(delete.Parameters, keys);
        batch.BatchCommands.Add(delete);
    }
}
