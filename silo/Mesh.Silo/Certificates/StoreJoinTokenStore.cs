using Mesh.Security.JoinTokens;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary><see cref="IJoinTokenStore"/> over the shared <see cref="ICaStore"/>, so a token made on one silo works on all.</summary>
internal sealed class StoreJoinTokenStore(ICaStore store) : IJoinTokenStore
{
    public Task AddAsync(JoinTokenRecord record, CancellationToken cancellationToken) =>
        store.AddJoinTokenAsync(
            new JoinTokenRow(record.TokenHash, record.Namespace, record.ServiceAccount, record.ExpiresAt, record.SingleUse, record.UsedAt, record.CreatedAt),
            cancellationToken);

    public async Task<JoinTokenRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken) =>
        await store.FindJoinTokenAsync(tokenHash, cancellationToken) is { } row
            ? new JoinTokenRecord
            {
                TokenHash = row.Hash,
                Namespace = row.Namespace,
                ServiceAccount = row.ServiceAccount,
                CreatedAt = row.CreatedAt,
                ExpiresAt = row.ExpiresAt,
                SingleUse = row.SingleUse,
                UsedAt = row.UsedAt,
            }
            : null;

    public Task<bool> TryMarkUsedAsync(string tokenHash, DateTimeOffset usedAt, CancellationToken cancellationToken) =>
        store.TryMarkJoinTokenUsedAsync(tokenHash, usedAt, cancellationToken);
}
