using System.Data.Common;
using Mesh.Storage.Postgres;
using Npgsql;

namespace Mesh.Storage.Orleans;

/// <summary>
/// The Npgsql data source Orleans' providers share. A type of its own so the silo's container owns (and disposes) it
/// without claiming the plain <see cref="NpgsqlDataSource"/> service other components may register.
/// </summary>
internal sealed class OrleansDataSource(string connectionString) : IAsyncDisposable
{
    /// <summary>
    /// Pool size when the connection string names none. Orleans opens a connection per concurrent storage call, so a
    /// silo activating many grains at once (every health partition, at start) would otherwise take up to Npgsql's 100:
    /// three silos then exhaust PostgreSQL's default max_connections (seen: "53300: too many clients").
    /// </summary>
    public const int DefaultMaxPoolSize = 16;

    public NpgsqlDataSource Value { get; } = PostgresConnections.CreateDataSource(WithPoolCap(connectionString));

    public ValueTask DisposeAsync() => Value.DisposeAsync();

    private static string WithPoolCap(string connectionString)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.ContainsKey("Maximum Pool Size") || given.ContainsKey("MaxPoolSize") || given.ContainsKey("Max Pool Size"))
        {
            return connectionString;
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = DefaultMaxPoolSize }.ConnectionString;
    }
}
