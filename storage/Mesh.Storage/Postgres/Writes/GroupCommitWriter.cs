using System.Threading.Channels;
using Mesh.Storage.Abstractions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mesh.Storage.Postgres.Writes;

/// <summary>
/// Group commit: concurrent writes queue here and one loop applies up to <see cref="PostgresStoreOptions.MaxBatchSize"/>
/// of them per transaction, so one durable commit (one WAL flush) serves many callers. Each request keeps its own
/// revision and its own all-or-nothing outcome; callers learn the outcome only after COMMIT returns.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<WriteRequest> _queue;
    private readonly PostgresConnections _connections;
    private readonly WriteBatchExecutor _executor;
    private readonly ILogger _logger;
    private readonly int _maxBatchSize;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    public GroupCommitWriter(PostgresConnections connections, PostgresStoreOptions options, TimeProvider timeProvider, ILogger logger)
    {
        _connections = connections;
        _executor = new WriteBatchExecutor(timeProvider);
        _logger = logger;
        _maxBatchSize = Math.Max(1, options.MaxBatchSize);
        _queue = Channel.CreateBounded<WriteRequest>(new BoundedChannelOptions(Math.Max(1, options.WriteQueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    public async Task<WriteResult> WriteAsync(IReadOnlyList<ResourceWrite> writes, CancellationToken cancellationToken)
    {
        var request = new WriteRequest(writes, cancellationToken);
        try
        {
            await _queue.Writer.WriteAsync(request, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(nameof(PostgresMeshStore));
        }

        // Once queued the write may commit, so the caller waits for the real outcome rather than its token.
        return await request.Task;
    }

    private async Task RunAsync()
    {
        var batch = new List<WriteRequest>(_maxBatchSize);
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            batch.Clear();
            while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var request))
            {
                if (request.CancellationToken.IsCancellationRequested)
                {
                    request.Cancel();
                }
                else
                {
                    batch.Add(request);
                }
            }

            try
            {
                if (batch.Count > 0)
                {
                    await ApplyAsync(batch);
                }
            }
            catch (Exception e)
            {
                // Never let the loop die: every later write would wait forever.
                PostgresLog.WriteLoopFailed(_logger, e);
                FailAll(batch, e);
            }
        }
    }

    private async Task ApplyAsync(IReadOnlyList<WriteRequest> batch)
    {
        try
        {
            var plan = await _connections.RunAsync(connection => _executor.ExecuteAsync(connection, batch, _stopping.Token), _stopping.Token);
            foreach (var (request, result) in plan.Accepted)
            {
                request.Succeed(result);
            }

            foreach (var (request, error) in plan.Refused)
            {
                request.Fail(error);
            }
        }
        catch (StoreUnavailableException e)
        {
            PostgresLog.BatchUnavailable(_logger, batch.Count, e);
            FailAll(batch, e);
        }
        catch (PostgresException e) when (batch.Count > 1)
        {
            // One request carried something the database refuses (say a NUL character): isolate it by retrying alone.
            PostgresLog.BatchRefused(_logger, batch.Count, e);
            foreach (var request in batch)
            {
                await ApplyAsync([request]);
            }
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal))
        {
            FailAll(batch, new ArgumentException($"The database refused the write: {e.MessageText}", e));
        }
        catch (Exception e)
        {
            FailAll(batch, e);
        }
    }

    private static void FailAll(IEnumerable<WriteRequest> batch, Exception error)
    {
        foreach (var request in batch)
        {
            request.Fail(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        // Let queued writes finish, but do not hang shutdown on a database that is gone.
        if (await Task.WhenAny(_loop, Task.Delay(TimeSpan.FromSeconds(10))) != _loop)
        {
            await _stopping.CancelAsync();
            await _loop;
        }

        _stopping.Dispose();
    }
}
