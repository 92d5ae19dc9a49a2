using Mesh.Contracts.Cluster;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Storage.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Storage.Postgres;

/// <summary>Silo membership (<c>mesh_members</c>) and subscriber status (<c>mesh_subscribers</c>).</summary>
internal sealed class PostgresMembership(PostgresConnections connections)
{
    public Task UpsertMemberAsync(SiloMember member, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            // started_at is kept from the first registration: a heartbeat must not make a silo look new.
            await using var command = new NpgsqlCommand("""
                INSERT INTO mesh_members (id, address, started_at, last_heartbeat, revision)
                VALUES (@id, @address, @startedAt, @lastHeartbeat, @revision)
                ON CONFLICT (id) DO UPDATE SET
                  address = EXCLUDED.address, last_heartbeat = EXCLUDED.last_heartbeat, revision = EXCLUDED.revision
                """, connection);
            command.Parameters.AddWithValue("id", member.Id);
            command.Parameters.AddWithValue("address", member.Address);
            command.Parameters.AddWithValue("startedAt", NpgsqlDbType.TimestampTz, member.StartedAt.UtcDateTime);
            command.Parameters.AddWithValue("lastHeartbeat", NpgsqlDbType.TimestampTz, member.LastHeartbeat.UtcDateTime);
            command.Parameters.AddWithValue("revision", member.Revision);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<IReadOnlyList<SiloMember>> ListMembersAsync(CancellationToken cancellationToken) =>
        connections.RunAsync<IReadOnlyList<SiloMember>>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT id, address, started_at, last_heartbeat, revision FROM mesh_members ORDER BY started_at, id", connection);
            var members = new List<SiloMember>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                members.Add(new SiloMember(reader.GetString(0), reader.GetString(1), ResourceRows.ToOffset(reader.GetDateTime(2)), ResourceRows.ToOffset(reader.GetDateTime(3)), reader.GetInt64(4)));
            }

            return members;
        }, cancellationToken);

    public Task<int> RemoveStaleMembersAsync(DateTimeOffset staleBefore, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                WITH stale AS (DELETE FROM mesh_members WHERE last_heartbeat < @staleBefore RETURNING id),
                     orphans AS (DELETE FROM mesh_subscribers WHERE silo_id IN (SELECT id FROM stale))
                SELECT count(*)::int FROM stale
                """, connection);
            command.Parameters.AddWithValue("staleBefore", NpgsqlDbType.TimestampTz, staleBefore.UtcDateTime);
            return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);

    public Task RemoveMemberAsync(string siloId, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                WITH gone AS (DELETE FROM mesh_members WHERE id = @id)
                DELETE FROM mesh_subscribers WHERE silo_id = @id
                """, connection);
            command.Parameters.AddWithValue("id", siloId);
            await command.ExecuteNonQueryAsync(cancellationToken);
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
                INSERT INTO mesh_subscribers (id, silo_id, node, connected_at, last_seen, sent_revision, acked_revision, nacked_revision, last_nack_error, last_nack_at)
                SELECT * FROM unnest(@ids, @siloIds, @nodes, @connectedAt, @lastSeen, @sent, @acked, @nacked, @errors, @nackedAt)
                ON CONFLICT (id) DO UPDATE SET
                  silo_id = EXCLUDED.silo_id, node = EXCLUDED.node, connected_at = EXCLUDED.connected_at,
                  last_seen = EXCLUDED.last_seen, sent_revision = EXCLUDED.sent_revision,
                  acked_revision = EXCLUDED.acked_revision, nacked_revision = EXCLUDED.nacked_revision,
                  last_nack_error = EXCLUDED.last_nack_error, last_nack_at = EXCLUDED.last_nack_at
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
                SELECT id, silo_id, node, connected_at, last_seen, sent_revision, acked_revision, nacked_revision, last_nack_error, last_nack_at
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
                });
            }

            return list;
        }, cancellationToken);
}
