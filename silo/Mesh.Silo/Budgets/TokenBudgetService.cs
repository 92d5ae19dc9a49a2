using Grpc.Core;
using Mesh.Contracts.Protocol.V1;
using Mesh.Grains.Budgets;
using Mesh.Silo.Subscriptions;

namespace Mesh.Silo.Budgets;

/// <summary>
/// The gRPC service <c>mesh.budgets.v1.MeshTokenBudgets</c> (docs/protocol.md, "Token budgets"): authenticated like a
/// subscription, checked, then answered by the budget's grain. A grain that cannot be reached is Unavailable, which
/// the sidecar treats as "admit" (fail open, as Envoy's global rate limit does by default).
/// </summary>
internal sealed class TokenBudgetService(SubscriberAuthentication authentication, IGrainFactory grains) : MeshTokenBudgets.MeshTokenBudgetsBase
{
    internal const int MaxBudgetLength = 512;
    private const ulong MaxTokens = Contracts.Resources.TokenLimitAnnotations.MaxTokensPerMinute;
    private static readonly TimeSpan GrainTimeout = TimeSpan.FromSeconds(2);

    public override async Task<TakeTokensResponse> Take(TakeTokensRequest request, ServerCallContext context)
    {
        _ = await authentication.AuthenticateAsync(context);
        var take = Check(request);
        TokenGrant grant;
        try
        {
            grant = await grains.GetGrain<ITokenBudgetGrain>(request.Budget).TakeAsync(take).WaitAsync(GrainTimeout, context.CancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"token budget '{request.Budget}' cannot be reached: {ex.Message}"));
        }

        return new TakeTokensResponse
        {
            PromptGranted = (ulong)grant.PromptGranted,
            CompletionGranted = (ulong)grant.CompletionGranted,
            RetryAfterMillis = (uint)Math.Min(uint.MaxValue, grant.RetryAfter.TotalMilliseconds),
        };
    }

    internal static TokenTake Check(TakeTokensRequest request)
    {
        if (request.Budget.Length is 0 or > MaxBudgetLength)
        {
            throw DiscoveryService.Invalid($"budget must be 1-{MaxBudgetLength} characters, got {request.Budget.Length}");
        }

        return new TokenTake
        {
            PromptPerMinute = Tokens(request.PromptPerMinute, "prompt_per_minute"),
            CompletionPerMinute = Tokens(request.CompletionPerMinute, "completion_per_minute"),
            PromptWanted = Tokens(request.PromptWanted, "prompt_wanted"),
            PromptNeeded = Tokens(request.PromptNeeded, "prompt_needed"),
            CompletionWanted = Tokens(request.CompletionWanted, "completion_wanted"),
            CompletionNeeded = Tokens(request.CompletionNeeded, "completion_needed"),
            PromptReturned = Tokens(request.PromptReturned, "prompt_returned"),
            CompletionReturned = Tokens(request.CompletionReturned, "completion_returned"),
        };
    }

    private static long Tokens(ulong value, string field) =>
        value <= MaxTokens ? (long)value : throw DiscoveryService.Invalid($"{field} must be at most {MaxTokens}, got {value}");
}
