using Mesh.Contracts.Resources;
using Mesh.Storage.Abstractions;

namespace Mesh.Storage.InMemory;

/// <summary>The CA store of a single silo without a database. One lock keeps every root change atomic.</summary>
internal sealed class InMemoryCaStore : ICaStore
{
    private readonly Lock _gate = new();
    private readonly List<CaRootRow> _roots = [];
    private readonly Dictionary<string, IssuedCertificateRow> _issued = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JoinTokenRow> _tokens = new(StringComparer.Ordinal);

    public Task<IReadOnlyList<CaRootRow>> ListRootsAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<CaRootRow>>([.. _roots]);
        }
    }

    public Task<bool> TryAddRootAsync(CaRootRow root, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (IndexOf(root.Thumbprint) >= 0 || (root.State == CaRootState.Active && _roots.Exists(r => r.State == CaRootState.Active)))
            {
                return Task.FromResult(false);
            }

            _roots.Add(root);
            return Task.FromResult(true);
        }
    }

    public Task<CaRootChange> ActivateRootAsync(string thumbprint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var index = IndexOf(thumbprint);
            var change = index < 0 ? CaRootChange.NotFound : _roots[index].State == CaRootState.Retired ? CaRootChange.IsRetired : CaRootChange.Done;
            if (change == CaRootChange.Done && _roots[index].State != CaRootState.Active)
            {
                for (var i = 0; i < _roots.Count; i++)
                {
                    if (_roots[i].State == CaRootState.Active)
                    {
                        _roots[i] = _roots[i] with { State = CaRootState.Retiring };
                    }
                }

                _roots[index] = _roots[index] with { State = CaRootState.Active };
            }

            return Task.FromResult(change);
        }
    }

    public Task<CaRootChange> RetireRootAsync(string thumbprint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var index = IndexOf(thumbprint);
            var change = index < 0 ? CaRootChange.NotFound : _roots[index].State switch
            {
                CaRootState.Active => CaRootChange.IsActive,
                CaRootState.Retired => CaRootChange.IsRetired,
                _ => CaRootChange.Done,
            };
            if (change == CaRootChange.Done)
            {
                _roots[index] = _roots[index] with { State = CaRootState.Retired };
            }

            return Task.FromResult(change);
        }
    }

    public Task RecordIssuedAsync(IssuedCertificateRow certificate, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _issued[certificate.SerialNumber] = certificate;
            return Task.CompletedTask;
        }
    }

    public Task<IReadOnlyList<IssuedCertificateRow>> ListIssuedAsync(string? spiffeId, int limit, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<IssuedCertificateRow>>(_issued.Values
                .Where(c => spiffeId is null || c.SpiffeId == spiffeId)
                .OrderByDescending(c => c.IssuedAt)
                .ThenBy(c => c.SerialNumber, StringComparer.Ordinal)
                .Take(limit)
                .ToList());
        }
    }

    public Task AddJoinTokenAsync(JoinTokenRow token, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _tokens.TryAdd(token.Hash, token)
                ? Task.CompletedTask
                : throw new StoreConflictException(new ResourceKey("JoinToken", "", ""), "a join token with this hash already exists");
        }
    }

    public Task<JoinTokenRow?> FindJoinTokenAsync(string hash, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_tokens.GetValueOrDefault(hash));
        }
    }

    public Task<bool> TryMarkJoinTokenUsedAsync(string hash, DateTimeOffset usedAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_tokens.TryGetValue(hash, out var token) || token.UsedAt is not null)
            {
                return Task.FromResult(false);
            }

            _tokens[hash] = token with { UsedAt = usedAt };
            return Task.FromResult(true);
        }
    }

    public Task<int> PruneAsync(DateTimeOffset tokensExpiredBefore, DateTimeOffset certificatesExpiredBefore, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var tokens = _tokens.Values.Where(t => t.ExpiresAt < tokensExpiredBefore).Select(t => t.Hash).ToList();
            var certificates = _issued.Values.Where(c => c.NotAfter < certificatesExpiredBefore).Select(c => c.SerialNumber).ToList();
            tokens.ForEach(hash => _tokens.Remove(hash));
            certificates.ForEach(serial => _issued.Remove(serial));
            return Task.FromResult(tokens.Count + certificates.Count);
        }
    }

    private int IndexOf(string thumbprint) => _roots.FindIndex(r => string.Equals(r.Thumbprint, thumbprint, StringComparison.OrdinalIgnoreCase));
}
