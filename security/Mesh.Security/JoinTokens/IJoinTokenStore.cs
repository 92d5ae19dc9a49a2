namespace Mesh.Security.JoinTokens;

/// <summary>Persistence for join tokens, keyed by token hash. The silo implements it over its database.</summary>
public interface IJoinTokenStore
{
    Task AddAsync(JoinTokenRecord record, CancellationToken cancellationToken);

    Task<JoinTokenRecord?> FindAsync(string tokenHash, CancellationToken cancellationToken);

    /// <summary>
    /// Atomically marks a single-use token used. Returns false when it was already used (or is unknown), so two
    /// concurrent redemptions cannot both succeed. In SQL: <c>UPDATE ... SET used_at = @now WHERE hash = @h AND used_at IS NULL</c>.
    /// </summary>
    Task<bool> TryMarkUsedAsync(string tokenHash, DateTimeOffset usedAt, CancellationToken cancellationToken);
}
