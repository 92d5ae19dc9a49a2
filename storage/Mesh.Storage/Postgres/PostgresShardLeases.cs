using Mesh.Storage.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Storage.Postgres;

/// <summary>
/// Health-check shard leases in <c>mesh_shard_leases</c>. Every expiry comparison uses the database's now(), so the
/// silos' clocks never decide who owns a shard. Acquisitions skip rows another silo has locked, and a silo only
/// ever updates its own rows or expired ones, so concurrent balancing steps cannot deadlock.
/// </summary>
internal sealed class PostgresShardLeases(PostgresConnections connections)
{
    private int _seededShards;

    public Task<ShardBalance> BalanceAsync(ShardClaim claim, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            if (Volatile.Read(ref _seededShards) < claim.ShardCount)
            {
                await using var seed = Command(connection, transaction, """
                    INSERT INTO mesh_shard_leases (shard) SELECT generate_series(0, @n - 1) ON CONFLICT (shard) DO NOTHING
                    """, claim);
                await seed.ExecuteNonQueryAsync(cancellationToken);
            }

            var held = await ShardsAsync(connection, transaction, """
                UPDATE mesh_shard_leases SET expires_at = now() + @lease
                WHERE owner = @owner AND shard < @n AND expires_at > now()
                RETURNING shard
                """, claim, static _ => { }, cancellationToken);
            var live = await LiveMembersAsync(connection, transaction, claim, cancellationToken);
            var target = ShardShare.Of(claim, live);
            if (held.Count > target)
            {
                // Free the excess at once so a silo that just joined can take it on its next step.
                var excess = held.OrderDescending().Take(held.Count - target).ToArray();
                await ShardsAsync(connection, transaction, """
                    UPDATE mesh_shard_leases SET owner = NULL, expires_at = now()
                    WHERE owner = @owner AND shard = ANY(@shards)
                    RETURNING shard
                    """, claim, p => p.AddWithValue("shards", excess), cancellationToken);
            }
            else if (held.Count < target)
            {
                await ShardsAsync(connection, transaction, """
                    UPDATE mesh_shard_leases l
                    SET owner = @owner, fencing_token = l.fencing_token + 1, expires_at = now() + @lease
                    FROM (SELECT shard FROM mesh_shard_leases
                          WHERE shard < @n AND (owner IS NULL OR expires_at <= now())
                          ORDER BY random() LIMIT @wanted FOR UPDATE SKIP LOCKED) c
                    WHERE l.shard = c.shard
                    RETURNING l.shard
                    """, claim, p => p.AddWithValue("wanted", target - held.Count), cancellationToken);
            }

            var (leases, now) = await ReadAsync(connection, transaction, "l.owner = @owner AND l.expires_at > now() AND l.shard < @n", claim, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            Volatile.Write(ref _seededShards, Math.Max(Volatile.Read(ref _seededShards), claim.ShardCount));
            return new ShardBalance(leases, now, live.Count, target);
        }, cancellationToken);

    public Task ReleaseAsync(string owner, CancellationToken cancellationToken) =>
        connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("UPDATE mesh_shard_leases SET owner = NULL, expires_at = now() WHERE owner = @owner", connection);
            command.Parameters.AddWithValue("owner", owner);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<IReadOnlyList<ShardLease>> ListAsync(int shardCount, CancellationToken cancellationToken) =>
        connections.RunAsync<IReadOnlyList<ShardLease>>(async connection =>
        {
            var claim = new ShardClaim("", shardCount, TimeSpan.Zero, TimeSpan.Zero);
            var (rows, _) = await ReadAsync(connection, null, "l.shard < @n", claim, cancellationToken);
            var byShard = rows.ToDictionary(r => r.Shard);
            return Enumerable.Range(0, shardCount)
                .Select(s => byShard.GetValueOrDefault(s) ?? new ShardLease(s, null, 0, DateTimeOffset.UnixEpoch))
                .ToList();
        }, cancellationToken);

    /// <summary>Silos with a fresh heartbeat or a live lease, plus the caller (which may not have heartbeated yet).</summary>
    private static async Task<List<string>> LiveMembersAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, ShardClaim claim, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, """
            SELECT id FROM mesh_members WHERE last_heartbeat > now() - @liveness
            UNION SELECT owner FROM mesh_shard_leases WHERE owner IS NOT NULL AND expires_at > now() AND shard < @n
            UNION SELECT @owner
            """, claim);
        var live = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            live.Add(reader.GetString(0));
        }

        return live;
    }

    private static async Task<List<int>> ShardsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, ShardClaim claim, Action<NpgsqlParameterCollection> parameters, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, sql, claim);
        parameters(command.Parameters);

        var shards = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            shards.Add(reader.GetInt32(0));
        }

        return shards;
    }

    /// <summary>Lease rows matching <paramref name="where"/> (an expired lease shown without its owner) and the database clock.</summary>
    private static async Task<(List<ShardLease> Leases, DateTimeOffset Now)> ReadAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string where, ShardClaim claim, CancellationToken cancellationToken)
    {
        // The outer join yields one row even when no lease matches, so the clock always comes back.
        await using var command = Command(connection, transaction, $"""
            SELECT l.shard, CASE WHEN l.expires_at > c.now THEN l.owner END, l.fencing_token, l.expires_at, c.now
            FROM (SELECT now() AS now) c LEFT JOIN mesh_shard_leases l ON {where}
            ORDER BY l.shard
            """, claim);
        var leases = new List<ShardLease>();
        var now = DateTimeOffset.MinValue;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            now = ResourceRows.ToOffset(reader.GetDateTime(4));
            if (!reader.IsDBNull(0))
            {
                leases.Add(new ShardLease(reader.GetInt32(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2), ResourceRows.ToOffset(reader.GetDateTime(3))));
            }
        }

        return (leases, now);
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, ShardClaim claim)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        // Only the parameters a statement names are sent; unused ones would make Npgsql complain.
        AddIfUsed(command, "owner", NpgsqlDbType.Text, claim.Owner);
        AddIfUsed(command, "n", NpgsqlDbType.Integer, claim.ShardCount);
        AddIfUsed(command, "lease", NpgsqlDbType.Interval, claim.LeaseDuration);
        AddIfUsed(command, "liveness", NpgsqlDbType.Interval, claim.MemberLiveness);
        return command;
    }

    private static void AddIfUsed(NpgsqlCommand command, string name, NpgsqlDbType type, object value)
    {
        if (command.CommandText.Contains("@" + name, StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue(name, type, value);
        }
    }
}
