using Grpc.Core;
using Mesh.Contracts.Protocol.V1;
using Mesh.Silo.Budgets;

namespace Mesh.Tests.Silo.Budgets;

/// <summary>Bad token-budget requests are refused with INVALID_ARGUMENT naming the field, before any grain is asked.</summary>
public sealed class TokenBudgetServiceTests
{
    public static TheoryData<TakeTokensRequest, string> BadRequests => new()
    {
        { new TakeTokensRequest { Budget = "" }, "budget must be 1-512 characters, got 0" },
        { new TakeTokensRequest { Budget = new string('b', 513) }, "budget must be 1-512 characters, got 513" },
        { new TakeTokensRequest { Budget = "default/llm/alice", PromptPerMinute = ulong.MaxValue }, "prompt_per_minute must be at most" },
        { new TakeTokensRequest { Budget = "default/llm/alice", CompletionNeeded = (1UL << 40) + 1 }, "completion_needed must be at most" },
        { new TakeTokensRequest { Budget = "default/llm/alice", PromptReturned = ulong.MaxValue }, "prompt_returned must be at most" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Check_BadRequest_IsInvalidArgumentNamingTheField(TakeTokensRequest request, string message)
    {
        var error = Assert.Throws<RpcException>(() => TokenBudgetService.Check(request));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(message, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_GoodRequest_CarriesEveryField()
    {
        var take = TokenBudgetService.Check(new TakeTokensRequest
        {
            Budget = "default/llm/alice",
            PromptPerMinute = 1,
            CompletionPerMinute = 2,
            PromptWanted = 3,
            PromptNeeded = 4,
            CompletionWanted = 5,
            CompletionNeeded = 6,
            PromptReturned = 7,
            CompletionReturned = 8,
        });

        Assert.Equal((1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L), (take.PromptPerMinute, take.CompletionPerMinute, take.PromptWanted, take.PromptNeeded,
            take.CompletionWanted, take.CompletionNeeded, take.PromptReturned, take.CompletionReturned));
    }
}
