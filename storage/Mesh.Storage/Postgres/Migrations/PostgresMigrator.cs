using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Storage.Postgres.Migrations;

/// <summary>
/// Applies the embedded <c>NNNN_name.sql</c> scripts in order. A session advisory lock makes concurrent silos take
/// turns, each script runs in its own transaction together with its row in <c>mesh_schema_migrations</c>, and
/// applied versions are skipped, so running it again is a no-op.
/// </summary>
internal sealed class PostgresMigrator(ILogger logger)
{
    // Fixed key shared by every silo: "mesh" in ASCII followed by "migr".
    private const long AdvisoryLockKey = 0x6D657368_6D696772;
    private const string ResourcePrefix = "Mesh.Storage.Postgres.Migrations.";

    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    public async Task MigrateAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await Execute(connection, null, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await Execute(connection, null, """
                CREATE TABLE IF NOT EXISTS mesh_schema_migrations (
                    version    integer PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now()
                )
                """, cancellationToken);

            var applied = await AppliedVersions(connection, cancellationToken);
            foreach (var migration in Embedded.Where(m => !applied.Contains(m.Version)))
            {
                PostgresLog.ApplyingMigration(logger, migration.Version, migration.Name);
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await Execute(connection, transaction, migration.Sql, cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO mesh_schema_migrations (version) VALUES (@version)", connection, transaction))
                {
                    record.Parameters.AddWithValue("version", migration.Version);
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }

                await transaction.CommitAsync(cancellationToken);
            }

            PostgresLog.SchemaUpToDate(logger, Embedded.Count == 0 ? 0 : Embedded[^1].Version);
        }
        finally
        {
            // A broken connection releases the lock by itself; only unlock a healthy one.
            if (connection.FullState == System.Data.ConnectionState.Open)
            {
                await Execute(connection, null, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
            }
        }
    }

    private static async Task<HashSet<int>> AppliedVersions(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var versions = new HashSet<int>();
        await using var command = new NpgsqlCommand("SELECT version FROM mesh_schema_migrations", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetInt32(0));
        }

        return versions;
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(PostgresMigrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var fileName = resource[ResourcePrefix.Length..^".sql".Length];
            var separator = fileName.IndexOf('_', StringComparison.Ordinal);
            if (separator <= 0 || !int.TryParse(fileName[..separator], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                throw new InvalidOperationException($"Migration resource '{resource}' is not named NNNN_name.sql");
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            migrations.Add(new Migration(version, fileName[(separator + 1)..], reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        return migrations;
    }

    public sealed record Migration(int Version, string Name, string Sql);
}
