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
}
