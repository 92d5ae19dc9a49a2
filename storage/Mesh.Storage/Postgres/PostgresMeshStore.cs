using Mesh.Contracts.Cluster;
using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Postgres.Migrations;
using Mesh.Storage.Postgres.Writes;
using Microsoft.Extensions.Logging;

namespace Mesh.Storage.Postgres;

/// <summary>
/// The store shared by all silos. Writes go through group commit (<see cref="GroupCommitWriter"/>); every
/// revision-creating transaction locks the revision counter first, so revisions commit in order across silos and
/// a reader that has seen revision N never sees a smaller one appear later.
/// </summary>
internal sealed class PostgresMeshStore : IMeshStore, IOutlierReportStore, IAsyncDisposable
{
    private readonly PostgresConnections _connections;
    private readonly GroupCommitWriter _writer;
    private readonly PostgresResources _resources;
    private readonly PostgresChangeLog _changeLog;
    private readonly PostgresSubscribers _subscribers;
    private readonly PostgresMigrator _migrator;
    private readonly PostgresOutlierReports _outliers;
    private volatile bool _initialized;
    private int _disposed;

    public PostgresMeshStore(PostgresStoreOptions options, TimeProvider timeProvider, ILogger<PostgresMeshStore> logger)
    {
        _connections = new PostgresConnections(options);
        _writer = new GroupCommitWriter(_connections, options, timeProvider, logger);
        _resources = new PostgresResources(_connections);
        _changeLog = new PostgresChangeLog(_connections);
        _subscribers = new PostgresSubscribers(_connections);
        _migrator = new PostgresMigrator(logger);
        _outliers = new PostgresOutlierReports(_connections);
    }

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await _connections.RunAsync(connection => _migrator.MigrateAsync(connection, cancellationToken), cancellationToken);
        _initialized = true;
    }

    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        if (!_initialized)
        {
            return false;
        }

        try
        {
            await _changeLog.GetRevisionAsync(cancellationToken);
            return true;
        }
        catch (StoreUnavailableException)
        {
            return false;
        }
    }

    public Task<WriteResult> WriteAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken) =>
        _writer.WriteAsync(writes, cancellationToken);

    public Task<StoredResource?> GetAsync(ResourceKey key, CancellationToken cancellationToken) =>
        _resources.GetAsync(key, cancellationToken);

    public Task<IReadOnlyList<StoredResource>> ListAsync(ResourceQuery query, CancellationToken cancellationToken) =>
        _resources.ListAsync(query, cancellationToken);

    public Task<StoreSnapshot> ReadSnapshotAsync(CancellationToken cancellationToken) =>
        _changeLog.ReadSnapshotAsync(cancellationToken);

    public Task<ChangePage> ReadChangesAsync(long afterRevision, int limit, CancellationToken cancellationToken) =>
        _changeLog.ReadChangesAsync(afterRevision, limit, cancellationToken);

    public Task<long> GetRevisionAsync(CancellationToken cancellationToken) =>
        _changeLog.GetRevisionAsync(cancellationToken);

    public Task<IReadOnlyList<ResourceKey>> RenewLeasesAsync(IReadOnlyList<ResourceKey> keys, DateTimeOffset expiresAt, CancellationToken cancellationToken) =>
        _resources.RenewLeasesAsync(keys, expiresAt, cancellationToken);

    public Task<IReadOnlyList<ResourceKey>> ExpireLeasesAsync(DateTimeOffset now, int limit, LeasePartition partition, CancellationToken cancellationToken) =>
        _resources.ExpireLeasesAsync(now, limit, partition, cancellationToken);

    public Task<DateTimeOffset?> NextLeaseExpiryAsync(LeasePartition partition, CancellationToken cancellationToken) =>
        _resources.NextLeaseExpiryAsync(partition, cancellationToken);

    public Task<long> CompactAsync(long upToRevision, CancellationToken cancellationToken) =>
        _changeLog.CompactAsync(upToRevision, cancellationToken);

    public Task<int> RemoveSubscribersOfSilosAsync(IReadOnlyList<string> siloIds, CancellationToken cancellationToken) =>
        _subscribers.RemoveSubscribersOfSilosAsync(siloIds, cancellationToken);

    public Task UpsertSubscribersAsync(IReadOnlyList<SubscriberStatus> subscribers, CancellationToken cancellationToken) =>
        _subscribers.UpsertSubscribersAsync(subscribers, cancellationToken);

    public Task RemoveSubscribersAsync(IReadOnlyList<string> subscriberIds, CancellationToken cancellationToken) =>
        _subscribers.RemoveSubscribersAsync(subscriberIds, cancellationToken);

    public Task<IReadOnlyList<SubscriberStatus>> ListSubscribersAsync(CancellationToken cancellationToken) =>
        _subscribers.ListSubscribersAsync(cancellationToken);

    public Task UpsertOutlierReportAsync(Mesh.Contracts.Registry.OutlierReport report, CancellationToken cancellationToken) =>
        _outliers.UpsertAsync(report, cancellationToken);

    public Task RemoveOutlierReportAsync(string reporter, string @namespace, string endpoint, CancellationToken cancellationToken) =>
        _outliers.RemoveAsync(reporter, @namespace, endpoint, cancellationToken);

    public Task<IReadOnlyList<Mesh.Contracts.Registry.OutlierReport>> ListOutlierReportsAsync(string? @namespace, string? endpoint, CancellationToken cancellationToken) =>
        _outliers.ListAsync(@namespace, endpoint, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // Resolved under several service types, so the container may dispose it more than once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _writer.DisposeAsync();
        await _connections.DisposeAsync();
    }
}
