using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace Mesh.Storage.Postgres;

/// <summary>
/// <see cref="ICaStore"/> over <c>mesh_ca_roots</c>, <c>mesh_issued_certificates</c> and <c>mesh_join_tokens</c>.
/// Root mutations take one transaction-scoped advisory lock, so concurrent activations from several silos
/// cannot interleave; the partial unique index on the active state backs that up.
/// </summary>
internal sealed class PostgresCaStore(PostgresStoreOptions options) : ICaStore, IAsyncDisposable
{
    // "meshcaca": shared by every silo, distinct from the migrator's key.
    private const long RootLockKey = 0x6D657368_63616361;
    private readonly PostgresConnections _connections = new(options);

    public Task<IReadOnlyList<CaRootRow>> ListRootsAsync(CancellationToken cancellationToken) =>
        _connections.RunAsync<IReadOnlyList<CaRootRow>>(async connection =>
        {
            await using var command = new NpgsqlCommand("SELECT thumbprint, chain_pem, protected_key, state, created_at FROM mesh_ca_roots ORDER BY created_at, thumbprint", connection);
            var rows = new List<CaRootRow>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new CaRootRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), ParseState(reader.GetString(3)), ResourceRows.ToOffset(reader.GetDateTime(4))));
            }

            return rows;
        }, cancellationToken);

    public Task<bool> TryAddRootAsync(CaRootRow root, CancellationToken cancellationToken) =>
        InRootTransactionAsync(async (connection, transaction) =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO mesh_ca_roots (thumbprint, chain_pem, protected_key, state, created_at)
                SELECT @thumbprint, @chain, @key, @state, @createdAt
                WHERE @state <> 'active' OR NOT EXISTS (SELECT 1 FROM mesh_ca_roots WHERE state = 'active')
                ON CONFLICT DO NOTHING
                """, connection, transaction);
            command.Parameters.AddWithValue("thumbprint", root.Thumbprint.ToUpperInvariant());
            command.Parameters.AddWithValue("chain", root.ChainPem);
            command.Parameters.AddWithValue("key", root.ProtectedKey);
            command.Parameters.AddWithValue("state", FormatState(root.State));
            command.Parameters.AddWithValue("createdAt", NpgsqlDbType.TimestampTz, root.CreatedAt.UtcDateTime);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<CaRootChange> ActivateRootAsync(string thumbprint, CancellationToken cancellationToken) =>
        InRootTransactionAsync(async (connection, transaction) =>
        {
            var state = await StateOfAsync(connection, transaction, thumbprint, cancellationToken);
            if (state is not { } current || current == CaRootState.Retired)
            {
                return state is null ? CaRootChange.NotFound : CaRootChange.IsRetired;
            }

            await using var command = new NpgsqlCommand("""
                UPDATE mesh_ca_roots SET state = 'retiring' WHERE state = 'active' AND thumbprint <> @thumbprint;
                UPDATE mesh_ca_roots SET state = 'active' WHERE thumbprint = @thumbprint;
                """, connection, transaction);
            command.Parameters.AddWithValue("thumbprint", thumbprint.ToUpperInvariant());
            await command.ExecuteNonQueryAsync(cancellationToken);
            return CaRootChange.Done;
        }, cancellationToken);

    public Task<CaRootChange> RetireRootAsync(string thumbprint, CancellationToken cancellationToken) =>
        InRootTransactionAsync(async (connection, transaction) =>
        {
            var state = await StateOfAsync(connection, transaction, thumbprint, cancellationToken);
            switch (state)
            {
                case null:
                    return CaRootChange.NotFound;
                case CaRootState.Active:
                    return CaRootChange.IsActive;
                case CaRootState.Retired:
                    return CaRootChange.IsRetired;
            }

            await using var command = new NpgsqlCommand("UPDATE mesh_ca_roots SET state = 'retired' WHERE thumbprint = @thumbprint", connection, transaction);
            command.Parameters.AddWithValue("thumbprint", thumbprint.ToUpperInvariant());
            await command.ExecuteNonQueryAsync(cancellationToken);
            return CaRootChange.Done;
        }, cancellationToken);

    public Task RecordIssuedAsync(IssuedCertificateRow certificate, CancellationToken cancellationToken) =>
        _connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO mesh_issued_certificates (serial, spiffe_id, not_before, not_after, issuer_thumbprint, issued_at)
                VALUES (@serial, @spiffeId, @notBefore, @notAfter, @issuer, @issuedAt)
                """, connection);
            var p = command.Parameters;
            p.AddWithValue("serial", certificate.SerialNumber);
            p.AddWithValue("spiffeId", certificate.SpiffeId);
            p.AddWithValue("notBefore", NpgsqlDbType.TimestampTz, certificate.NotBefore.UtcDateTime);
            p.AddWithValue("notAfter", NpgsqlDbType.TimestampTz, certificate.NotAfter.UtcDateTime);
            p.AddWithValue("issuer", certificate.IssuerThumbprint);
            p.AddWithValue("issuedAt", NpgsqlDbType.TimestampTz, certificate.IssuedAt.UtcDateTime);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }, cancellationToken);

    public Task<IReadOnlyList<IssuedCertificateRow>> ListIssuedAsync(string? spiffeId, int limit, CancellationToken cancellationToken) =>
        _connections.RunAsync<IReadOnlyList<IssuedCertificateRow>>(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                SELECT serial, spiffe_id, not_before, not_after, issuer_thumbprint, issued_at FROM mesh_issued_certificates
                WHERE @spiffeId::text IS NULL OR spiffe_id = @spiffeId
                ORDER BY issued_at DESC, serial LIMIT @limit
                """, connection);
            command.Parameters.Add(new NpgsqlParameter("spiffeId", NpgsqlDbType.Text) { Value = (object?)spiffeId ?? DBNull.Value });
            command.Parameters.AddWithValue("limit", limit);
            var rows = new List<IssuedCertificateRow>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add(new IssuedCertificateRow(reader.GetString(0), reader.GetString(1), ResourceRows.ToOffset(reader.GetDateTime(2)),
                    ResourceRows.ToOffset(reader.GetDateTime(3)), reader.GetString(4), ResourceRows.ToOffset(reader.GetDateTime(5))));
            }

            return rows;
        }, cancellationToken);

    public Task AddJoinTokenAsync(JoinTokenRow token, CancellationToken cancellationToken) =>
        _connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO mesh_join_tokens (hash, namespace, service_account, expires_at, single_use, used_at, created_at)
                VALUES (@hash, @ns, @sa, @expiresAt, @singleUse, NULL, @createdAt) ON CONFLICT DO NOTHING
                """, connection);
            var p = command.Parameters;
            p.AddWithValue("hash", token.Hash);
            p.AddWithValue("ns", token.Namespace);
            p.AddWithValue("sa", token.ServiceAccount);
            p.AddWithValue("expiresAt", NpgsqlDbType.TimestampTz, token.ExpiresAt.UtcDateTime);
            p.AddWithValue("singleUse", token.SingleUse);
            p.AddWithValue("createdAt", NpgsqlDbType.TimestampTz, token.CreatedAt.UtcDateTime);
            if (await command.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                throw new StoreConflictException(new ResourceKey("JoinToken", "", ""), "a join token with this hash already exists");
            }
        }, cancellationToken);

    public Task<JoinTokenRow?> FindJoinTokenAsync(string hash, CancellationToken cancellationToken) =>
        _connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand(
                "SELECT hash, namespace, service_account, expires_at, single_use, used_at, created_at FROM mesh_join_tokens WHERE hash = @hash", connection);
            command.Parameters.AddWithValue("hash", hash);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            return await reader.ReadAsync(cancellationToken)
                ? new JoinTokenRow(reader.GetString(0), reader.GetString(1), reader.GetString(2), ResourceRows.ToOffset(reader.GetDateTime(3)),
                    reader.GetBoolean(4), ResourceRows.ToOffsetOrNull(reader, 5), ResourceRows.ToOffset(reader.GetDateTime(6)))
                : null;
        }, cancellationToken);

    public Task<bool> TryMarkJoinTokenUsedAsync(string hash, DateTimeOffset usedAt, CancellationToken cancellationToken) =>
        _connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("UPDATE mesh_join_tokens SET used_at = @usedAt WHERE hash = @hash AND used_at IS NULL", connection);
            command.Parameters.AddWithValue("hash", hash);
            command.Parameters.AddWithValue("usedAt", NpgsqlDbType.TimestampTz, usedAt.UtcDateTime);
            return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
        }, cancellationToken);

    public Task<int> PruneAsync(DateTimeOffset tokensExpiredBefore, DateTimeOffset certificatesExpiredBefore, CancellationToken cancellationToken) =>
        _connections.RunAsync(async connection =>
        {
            await using var command = new NpgsqlCommand("""
                WITH tokens AS (DELETE FROM mesh_join_tokens WHERE expires_at < @tokens RETURNING 1),
                     certificates AS (DELETE FROM mesh_issued_certificates WHERE not_after < @certificates RETURNING 1)
                SELECT ((SELECT count(*) FROM tokens) + (SELECT count(*) FROM certificates))::int
                """, connection);
            command.Parameters.AddWithValue("tokens", NpgsqlDbType.TimestampTz, tokensExpiredBefore.UtcDateTime);
            command.Parameters.AddWithValue("certificates", NpgsqlDbType.TimestampTz, certificatesExpiredBefore.UtcDateTime);
            return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
        }, cancellationToken);

    public ValueTask DisposeAsync() => _connections.DisposeAsync();

    private Task<T> InRootTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _connections.RunAsync(async connection =>
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({RootLockKey})", connection, transaction))
            {
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }

            var result = await work(connection, transaction);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }, cancellationToken);

    private static async Task<CaRootState?> StateOfAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string thumbprint, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT state FROM mesh_ca_roots WHERE thumbprint = @thumbprint FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue("thumbprint", thumbprint.ToUpperInvariant());
        return await command.ExecuteScalarAsync(cancellationToken) is string state ? ParseState(state) : null;
    }

    private static string FormatState(CaRootState state) => state.ToString().ToLowerInvariant();

    private static CaRootState ParseState(string state) => Enum.Parse<CaRootState>(state, ignoreCase: true);
}
