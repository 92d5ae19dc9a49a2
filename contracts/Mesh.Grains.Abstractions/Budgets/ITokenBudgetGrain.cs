namespace Mesh.Grains.Budgets;

/// <summary>
/// One token budget of the cluster (key: <c>namespace/DestinationRule/client</c>): prompt and completion tokens per
/// minute, handed to the sidecars that enforce it in slices. Orleans keeps one activation per key, so every slice of a
/// budget comes out of the same two buckets and N sidecars together admit what the limit says. In memory only: a budget
/// that moves to another silo restarts full, which is what it would be after a minute of silence anyway.
/// </summary>
public interface ITokenBudgetGrain : IGrainWithStringKey
{
    Task<TokenGrant> TakeAsync(TokenTake take);
}

/// <summary>
/// A sidecar's request for a slice: per kind the limit (0: not limited), what it would like to hold, the least it
/// needs to admit the request at hand, and what it gives back from an earlier slice.
/// </summary>
[GenerateSerializer]
[Alias("mesh.budgets.take.v1")]
public sealed record TokenTake
{
    [Id(0)] public long PromptPerMinute { get; init; }
    [Id(1)] public long CompletionPerMinute { get; init; }
    [Id(2)] public long PromptWanted { get; init; }
    [Id(3)] public long PromptNeeded { get; init; }
    [Id(4)] public long CompletionWanted { get; init; }
    [Id(5)] public long CompletionNeeded { get; init; }
    [Id(6)] public long PromptReturned { get; init; }
    [Id(7)] public long CompletionReturned { get; init; }
}

/// <summary>What was granted; when nothing was, how long until the budget could cover what was needed.</summary>
[GenerateSerializer]
[Alias("mesh.budgets.grant.v1")]
public sealed record TokenGrant
{
    [Id(0)] public long PromptGranted { get; init; }
    [Id(1)] public long CompletionGranted { get; init; }
    [Id(2)] public TimeSpan RetryAfter { get; init; }

    public bool Granted => RetryAfter == TimeSpan.Zero;
}
