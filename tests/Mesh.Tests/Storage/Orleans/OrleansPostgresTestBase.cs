using Mesh.Tests.Infrastructure;
using Npgsql;

namespace Mesh.Tests.Storage.Orleans;

/// <summary>
/// What every Orleans storage test needs: a fresh migrated database, silos on it that are stopped even when the test
/// fails, and SQL against the tables the providers write.
/// </summary>
public abstract class OrleansPostgresTestBase(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private readonly List<OrleansTestSilo> _silos = [];

    protected CancellationToken Ct => _timeout.Token;

    protected static TimeSpan Deadline { get; } = TimeSpan.FromSeconds(60);

    /// <summary>Connection string of this test's database, migrated in <see cref="InitializeAsync"/>.</summary>
    protected string Database { get; private set; } = "";

    /// <summary>ClusterId and ServiceId of this test's silos.</summary>
    protected string ClusterId { get; } = $"test-{Guid.NewGuid():N}";

    public async Task InitializeAsync()
    {
        Database = await postgres.CreateDatabaseAsync("orleans", Ct);
        await OrleansTestSilo.MigrateAsync(Database, Ct);
    }

    public async Task DisposeAsync()
    {
        try
        {
            foreach (var silo in _silos)
            {
                await silo.DisposeAsync();
            }
        }
        finally
        {
            _timeout.Dispose();
        }
    }

    private protected async Task<OrleansTestSilo> StartSiloAsync()
    {
        var silo = await OrleansTestSilo.StartAsync(Database, ClusterId, Ct);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Stops and forgets a silo before the test ends (a later silo on the same database is a restart).</summary>
    private protected async Task StopSiloAsync(OrleansTestSilo silo)
    {
        _silos.Remove(silo);
        await silo.DisposeAsync();
    }

    protected async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return (T)(await command.ExecuteScalarAsync(Ct))!;
    }
}
