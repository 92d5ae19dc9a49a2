using Mesh.Grains.Budgets;

namespace Mesh.Silo.Budgets;

/// <summary><see cref="ITokenBudgetGrain"/>: the buckets of one budget, in memory, timed by the injected clock.</summary>
internal sealed class TokenBudgetGrain(TimeProvider time) : Grain, ITokenBudgetGrain
{
    private readonly TokenBuckets _buckets = new();

    public Task<TokenGrant> TakeAsync(TokenTake take) =>
        Task.FromResult(_buckets.Take(take, (long)time.GetElapsedTime(0).TotalMilliseconds));
}
