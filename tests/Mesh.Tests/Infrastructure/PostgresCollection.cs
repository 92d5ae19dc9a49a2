namespace Mesh.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL server for every test class in the "postgres" collection. Tests isolate themselves with
/// <see cref="CreateDatabaseAsync"/>. Tests that stop the database must not use this collection: they launch
/// their own <see cref="PostgresServer"/> so they never cut the shared one.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server => _server ?? throw new InvalidOperationException("The PostgreSQL fixture is not initialized");

    /// <summary>A fresh, empty database named <paramref name="prefix"/> plus a unique suffix.</summary>
    public Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default) =>
        Server.CreateDatabaseAsync($"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)], cancellationToken);

    public async Task InitializeAsync() => _server = await PostgresServer.LaunchAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "postgres";
}
