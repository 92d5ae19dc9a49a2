using System.Net.Sockets;
using Mesh.Storage.Abstractions;
using Npgsql;

namespace Mesh.Storage.Postgres;

/// <summary>
/// Opens connections and turns "the database cannot be reached" into <see cref="StoreUnavailableException"/>, so
/// callers see one exception type for every way a connection can fail. Messages never carry the connection string.
/// </summary>
internal sealed class PostgresConnections : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    public PostgresConnections(PostgresStoreOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new ArgumentException("PostgresStoreOptions.ConnectionString is empty", nameof(options));
        }

        _dataSource = CreateDataSource(options.ConnectionString);

    }

    /// <summary>
    /// The data source every Mesh component opens the shared database through (the store and Orleans' providers),
    /// so one connection string means the same pool settings everywhere.
    /// </summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
        {
            // Both issue a handful of fixed statements; preparing them saves planning on every call.
            builder.ConnectionStringBuilder.MaxAutoPrepare = 32;
        }

        return builder.Build();
    }

    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await operation(connection);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested && IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public Task RunAsync(Func<NpgsqlConnection, Task> operation, CancellationToken cancellationToken) =>
        RunAsync(async connection =>
        {
            await operation(connection);
            return true;
        }, cancellationToken);

    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        _dataSource.OpenConnectionAsync(cancellationToken);

    /// <summary>True when <paramref name="exception"/> says the database could not be reached or went away.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        StoreUnavailableException => true,
        PostgresException pg => pg.IsTransient
            || pg.SqlState.StartsWith("08", StringComparison.Ordinal)   // connection exceptions
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)  // admin shutdown, crash shutdown, cannot connect now
            || pg.SqlState.StartsWith("28", StringComparison.Ordinal)   // login refused (role locked out, pg_hba reject): unreachable to us
            || pg.SqlState == PostgresErrorCodes.TooManyConnections,
        NpgsqlException => true, // not a server error: the client failed to talk to the server
        SocketException or TimeoutException or IOException => true,
        _ => false,
    };

    public StoreUnavailableException Unavailable(Exception exception)
    {
        if (exception is StoreUnavailableException unavailable)
        {
            return unavailable;
        }

        // Pooled connections to a database that went away are all dead; drop them so recovery is immediate.
        _dataSource.Clear();
        return new StoreUnavailableException($"The PostgreSQL store is unavailable: {Describe(exception)}", exception);
    }

    private static string Describe(Exception exception) => exception switch
    {
        PostgresException pg => $"{pg.SqlState} {pg.MessageText}",
        NpgsqlException { InnerException: { } inner } npg => $"{npg.Message} ({inner.GetType().Name}: {inner.Message})",
        _ => $"{exception.GetType().Name}: {exception.Message}",
    };

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();
}
