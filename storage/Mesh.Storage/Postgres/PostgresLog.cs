using Microsoft.Extensions.Logging;

namespace Mesh.Storage.Postgres;

/// <summary>The store's log events, one id table. Messages never carry the connection string.</summary>
internal static partial class PostgresLog
{
    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Applying store migration {Version} ({Name})")]
    public static partial void ApplyingMigration(ILogger logger, int version, string name);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Debug, Message = "Store schema is at version {Version}")]
    public static partial void SchemaUpToDate(ILogger logger, int version);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Warning, Message = "Store write batch of {Count} requests failed: the database is unavailable")]
    public static partial void BatchUnavailable(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Warning, Message = "Store write batch of {Count} requests was refused by the database; retrying each request alone")]
    public static partial void BatchRefused(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Error, Message = "Store write loop failed unexpectedly")]
    public static partial void WriteLoopFailed(ILogger logger, Exception exception);
}
