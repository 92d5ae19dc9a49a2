using Mesh.Contracts.Cluster;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Storage.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Storage.Postgres;

/// <summary>Subscriber status (<c>mesh_subscribers</c>): which silo each subscriber is connected to and its last ACK/NACK.</summary>
internal sealed class PostgresSubscribers(PostgresConnections connections)
{
    public Task<int> RemoveSubscribersOfSilosAsync(IReadOnlyList<string> siloIds, CancellationToken cancellationToken) =>
        siloIds.Count == 0 ? Task.FromResult(0) : connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM mesh_subscribers WHERE silo_id = ANY(@siloIds)", connection);
            command.Parameters.AddWithValue("siloIds", siloIds.ToArray());
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task UpsertSubscribersAsync(IReadOnlyList<SubscriberStatus> subscribers, CancellationToken cancellationToken)
    {
        if (subscribers.Count == 0)
        {
            return Task.CompletedTask;
        }

        // Last one wins for a repeated id, as in a dictionary; sorted so concurrent batches lock rows in one order.
        var rows = subscribers.GroupBy(s => s.Id, StringComparer.Ordinal).Select(g => g.Last()).OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
        return connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO mesh_subscribers (id, silo_id, node, connected_at, last_seen, sent_revision, acked_revision, nacked_revision, last_nack_error, last_nack_at, stale)
                SELECT * FROM unnest(@ids, @siloIds, @nodes, @connectedAt, @lastSeen, @sent, @acked, @nacked, @errors, @nackedAt, @stale)
                ON CONFLICT (id) DO UPDATE SET
                  silo_id = EXCLUDED.silo_id, node = EXCLUDED.node, connected_at = EXCLUDED.connected_at,
                  last_seen = EXCLUDED.last_seen, sent_revision = EXCLUDED.sent_revision,
                  acked_revision = EXCLUDED.acked_revision, nacked_revision = EXCLUDED.nacked_revision,
                  last_nack_error = EXCLUDED.last_nack_error, last_nack_at = EXCLUDED.last_nack_at, stale = EXCLUDED.stale
                """, connection);
            var p = command.Parameters;
            p.AddWithValue("ids", rows.Select(s => s.Id).ToArray());
            p.AddWithValue("siloIds", rows.Select(s => s.SiloId).ToArray());
            p.Add(new NpgsqlParameter("nodes", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = rows.Select(s => JsonSerializer.Serialize(s.Node, MeshJson.Options)).ToArray() });
            p.Add(new NpgsqlParameter("connectedAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = rows.Select(s => s.ConnectedAt.UtcDateTime).ToArray() });
            p.Add(new NpgsqlParameter("lastSeen", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = rows.Select(s => s.LastSeen.UtcDateTime).ToArray() });
            p.AddWithValue("sent", rows.Select(s => s.SentRevision).ToArray());
            p.AddWithValue("acked", rows.Select(s => s.AckedRevision).ToArray());
            p.Add(new NpgsqlParameter("nacked", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = rows.Select(s => s.NackedRevision).ToArray() });
            p.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = rows.Select(s => s.LastNackError).ToArray() });
            p.Add(new NpgsqlParameter("nackedAt", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = rows.Select(s => ResourceRows.ToUtc(s.LastNackAt)).ToArray() });
            p.AddWithValue("stale", rows.Select(s => s.Stale).ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);
    }

    public Task RemoveSubscribersAsync(IReadOnlyList<string> subscriberIds, CancellationToken cancellationToken) =>
        subscriberIds.Count == 0 ? Task.CompletedTask : connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("DELETE FROM mesh_subscribers WHERE id = ANY(@ids)", connection);
            command.Parameters.AddWithValue("ids", subscriberIds.ToArray());
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<IReadOnlyList<SubscriberStatus>> ListSubscribersAsync(CancellationToken cancellationToken) =>
        connections.RunAsync<IReadOnlyList<SubscriberStatus>>(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT id, silo_id, node, connected_at, last_seen, sent_revision, acked_revision, nacked_revision, last_nack_error, last_nack_at, stale
                FROM mesh_subscribers ORDER BY id
                """, connection);
            var list = new List<SubscriberStatus>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                list.Add(new SubscriberStatus
                {
                    Id = reader.GetString(0),
                    SiloId = reader.GetString(1),
                    Node = JsonSerializer.Deserialize<NodeInfo>(reader.GetString(2), MeshJson.Options) ?? new NodeInfo(),
                    ConnectedAt = ResourceRows.ToOffset(reader.GetDateTime(3)),
                    LastSeen = ResourceRows.ToOffset(reader.GetDateTime(4)),
                    SentRevision = reader.GetInt64(5),
                    AckedRevision = reader.GetInt64(6),
                    NackedRevision = reader.IsDBNull(7) ? null : reader.GetInt64(7),
                    LastNackError = reader.IsDBNull(8) ? null : reader.GetString(8),
                    LastNackAt = ResourceRows.ToOffsetOrNull(reader, 9),
                    Stale = reader.GetBoolean(10),
                });
            }

            return list;
        }, cancellationToken);
}
