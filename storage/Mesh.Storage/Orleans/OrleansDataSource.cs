using Mesh.Storage.Postgres;
using Npgsql;

namespace Mesh.Storage.Orleans;

/// <summary>
/// The Npgsql data source Orleans' providers share. A type of its own so the silo's container owns (and disposes) it
/// without claiming the plain <see cref="NpgsqlDataSource"/> service other components may register.
/// </summary>
internal sealed class OrleansDataSource(string connectionString) : IAsyncDisposable
{
    public NpgsqlDataSource Value { get; } = PostgresConnections.CreateDataSource(connectionString);

    public ValueTask DisposeAsync() => Value.DisposeAsync();
}
