using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres;
using Mesh.Tests.Infrastructure;
using Npgsql;
using static Mesh.Tests.Storage.StoreTestData;

namespace Mesh.Tests.Storage;

[CollectionDefinition(Name)]
public sealed class PostgresOutageCollection
{
    /// <summary>Tests that stop their database run on a private server, never the shared one.</summary>
    public const string Name = "postgres-outage";
}

/// <summary>The store while its database is stopped and after it comes back.</summary>
[Collection(PostgresOutageCollection.Name)]
public sealed class PostgresStoreOutageTests : IAsyncLifetime
{
    private const string Secret = "s3cret-never-shown";
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));
    private PostgresServer? _server;
    private PostgresMeshStore? _store;

    private CancellationToken Ct => _timeout.Token;

    private PostgresServer Server => _server!;

    private PostgresMeshStore Store => _store!;

    public async Task InitializeAsync()
    {
        _server = await PostgresServer.LaunchAsync(allowExternal: false, Ct);
        // Trust authentication ignores the password; it is here to prove no message repeats it.
        var database = new NpgsqlConnectionStringBuilder(await _server.CreateDatabaseAsync("outage", Ct)) { Password = Secret, Timeout = 3 };
        _store = PostgresMeshStoreTests.Create(database.ConnectionString);
        await _store.InitializeAsync(Ct);
    }

    public async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        _timeout.Dispose();
    }

    [Fact]
    public async Task WriteAsync_DatabaseStopped_ThrowsUnavailableThenRecoversWithAcknowledgedWritesKept()
    {
        var acknowledged = await Store.WriteAsync([ResourceWrite.Create(Endpoint("before"))], Ct);

        await Server.StopAsync(Ct);

        var writeError = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.WriteAsync([ResourceWrite.Create(Endpoint("during"))], Ct));
        var readError = await Assert.ThrowsAsync<StoreUnavailableException>(() => Store.GetAsync(EndpointKey("before"), Ct));
        Assert.DoesNotContain(Secret, writeError.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, readError.ToString(), StringComparison.Ordinal);
        Assert.False(await Store.IsReadyAsync(Ct));

        await Server.StartAsync(Ct);

        var after = await RetryWhileUnavailableAsync(() => Store.WriteAsync([ResourceWrite.Create(Endpoint("after"))], Ct));
        Assert.NotNull(await Store.GetAsync(EndpointKey("before"), Ct));
        Assert.Null(await Store.GetAsync(EndpointKey("during"), Ct));
        Assert.Equal(acknowledged.Revision + 1, after.Revision);
        Assert.True(await Store.IsReadyAsync(Ct));
        // The change log, which every silo polls after its revision, holds exactly the write made after the outage.
        var page = await Store.ReadChangesAsync(acknowledged.Revision, 100, Ct);
        Assert.Equal([EndpointKey("after")], page.Changes.Select(c => c.Key));
    }

    private async Task<T> RetryWhileUnavailableAsync<T>(Func<Task<T>> operation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (StoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
                // Polling with a deadline: the server accepts connections a moment after pg_ctl returns.
                await Task.Delay(50, Ct);
            }
        }
    }
}
