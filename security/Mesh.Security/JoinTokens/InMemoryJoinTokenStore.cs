using System.Collections.Concurrent;

namespace Mesh.Security.JoinTokens;

/// <summary>Process-local <see cref="IJoinTokenStore"/> for a single silo without a database, and for tests.</summary>
public sealed class InMemoryJoinTokenStore : IJoinTokenStore
{
    private readonly ConcurrentDictionary<string, JoinTokenRecord> _records = new(StringComparer.Ordinal);

    public Task AddAsync(JoinTokenRecord record, CancellationToken cancellationToken) =>
        _records.TryAdd(record.TokenHash, record) ? Task.CompletedTask : throw new InvalidOperationException("A join token with this hash already exists.");

    public Task<JoinTokenRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken) =>
        Task.FromResult(_records.TryGetValue(tokenHash, out var record) ? record : null);

    public Task<bool> TryMarkUsedAsync(string tokenHash, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        while (_records.TryGetValue(tokenHash, out var current))
        {
            if (current.UsedAt is not null)
            {
                return Task.FromResult(false);
            }

            if (_records.TryUpdate(tokenHash, current with { UsedAt = usedAt }, current))
            {
                return Task.FromResult(true);
            }
        }

        return Task.FromResult(false);
    }
}
