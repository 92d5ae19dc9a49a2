namespace Mesh.Storage.Postgres;

/// <summary>Settings of the PostgreSQL store.</summary>
public sealed record PostgresStoreOptions
{
    /// <summary>Npgsql connection string of the shared database. Never logged.</summary>
    public string ConnectionString { get; init; } = "";

    /// <summary>Most write requests the group-commit loop applies in one transaction.</summary>
    public int MaxBatchSize { get; init; } = 512;

    /// <summary>Write requests that may wait for the group-commit loop before callers are made to wait.</summary>
    public int WriteQueueCapacity { get; init; } = 16_384;

    /// <summary>LISTEN/NOTIFY channel that carries committed revisions.</summary>
    public string ChangeLogNotifyChannel { get; init; } = "mesh_changes";

    /// <summary>First delay before the watcher reconnects; doubles up to <see cref="WatchMaxBackoff"/>.</summary>
    public TimeSpan WatchInitialBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan WatchMaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>TCP keepalive of the watch connection, so a silently dropped connection is noticed.</summary>
    public int WatchKeepAliveSeconds { get; init; } = 10;
}
