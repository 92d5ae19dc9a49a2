using Mesh.Contracts.Resources;
using Npgsql;

namespace Mesh.Storage.Postgres.Writes;

/// <summary>
/// The statements every revision-creating transaction shares. <see cref="LockRevision"/> must come first: the
/// row lock on the counter is held to commit, so writers on all silos commit in revision order.
/// </summary>
internal static class ChangeLogSql
{
    public const string LockRevision = "SELECT value FROM mesh_meta WHERE key = 'revision' FOR UPDATE";

    /// <summary>Appends change rows and advances the counter to <paramref name="revision"/>.</summary>
    public static void AddRecord(NpgsqlBatch batch, IReadOnlyList<(long Revision, ResourceKey Key, bool Deleted)> changes, long revision)
    {
        var insert = new NpgsqlBatchCommand("""
            INSERT INTO mesh_changes (revision, kind, namespace, name, deleted)
            SELECT * FROM unnest(@revisions, @kinds, @namespaces, @names, @deleted)
            """);
        insert.Parameters.AddWithValue("revisions", changes.Select(c => c.Revision).ToArray());
        insert.Parameters.AddWithValue("kinds", changes.Select(c => c.Key.Kind).ToArray());
        insert.Parameters.AddWithValue("namespaces", changes.Select(c => c.Key.Namespace).ToArray());
        insert.Parameters.AddWithValue("names", changes.Select(c => c.Key.Name).ToArray());
        insert.Parameters.AddWithValue("deleted", changes.Select(c => c.Deleted).ToArray());
        batch.BatchCommands.Add(insert);

        var advance = new NpgsqlBatchCommand("UPDATE mesh_meta SET value = @revision WHERE key = 'revision'");
        advance.Parameters.AddWithValue("revision", revision);
        batch.BatchCommands.Add(advance);
    }
}
