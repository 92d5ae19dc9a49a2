using Mesh.Grains.Budgets;
using Mesh.Silo.Budgets;

namespace Mesh.Tests.Silo.Budgets;

/// <summary>The arithmetic of a cluster-wide token budget: a minute's worth, refilled continuously, all or nothing per request.</summary>
public sealed class TokenBucketsTests
{
    private static TokenTake Want(long prompt, long completion, long promptSlice = 0, long completionSlice = 0) => new()
    {
        PromptPerMinute = 6000,
        CompletionPerMinute = 600,
        PromptNeeded = prompt,
        PromptWanted = prompt + promptSlice,
        CompletionNeeded = completion,
        CompletionWanted = completion + completionSlice,
    };

    [Fact]
    public void Take_StartsWithAMinutesWorth_ThenRefusesWithTheWaitUntilItRefills()
    {
        var buckets = new TokenBuckets();

        var first = buckets.Take(Want(1000, 500), 0);
        var second = buckets.Take(Want(100, 200), 0);

        Assert.Equal((1000L, 500L, true), (first.PromptGranted, first.CompletionGranted, first.Granted));
        Assert.False(second.Granted);
        Assert.Equal(0, second.CompletionGranted);
        // 100 completion tokens are missing at 600 per minute: 10 s.
        Assert.Equal(TimeSpan.FromSeconds(10), second.RetryAfter);
        Assert.True(buckets.Take(Want(100, 200), 10_000).Granted);
    }

    [Fact]
    public void Take_GrantsTheSliceOnlyFromWhatIsLeft_AndNeverMoreThanTheLimitOverTime()
    {
        var buckets = new TokenBuckets();
        long granted = 0;
        for (var ms = 0L; ms <= 60_000; ms += 100)
        {
            var grant = buckets.Take(Want(0, 7, completionSlice: 6), ms);
            granted += grant.CompletionGranted;
        }

        // A minute's worth at the start plus a minute of refill, never more.
        Assert.InRange(granted, 1190, 1200);
    }

    [Fact]
    public void Take_ReturnedTokensAreAvailableAgain_UpToTheLimit()
    {
        var buckets = new TokenBuckets();
        Assert.True(buckets.Take(Want(0, 600), 0).Granted);
        Assert.False(buckets.Take(Want(0, 100), 0).Granted);

        var afterReturn = buckets.Take(Want(0, 100) with { CompletionReturned = 150 }, 0);

        Assert.Equal(100, afterReturn.CompletionGranted);
        Assert.Equal(50, buckets.Take(Want(0, 1, completionSlice: 1000) with { CompletionReturned = 0 }, 0).CompletionGranted);
    }

    [Fact]
    public void Take_ANeedLargerThanTheLimit_WaitsForAFullBucketInsteadOfForever()
    {
        var buckets = new TokenBuckets();
        Assert.True(buckets.Take(Want(0, 300), 0).Granted);

        var tooBig = buckets.Take(Want(0, 5000), 0);
        var later = buckets.Take(Want(0, 5000), 30_000);

        Assert.Equal(TimeSpan.FromSeconds(30), tooBig.RetryAfter);
        Assert.Equal((600L, true), (later.CompletionGranted, later.Granted));
    }

    [Fact]
    public void Take_UnlimitedKindGrantsNothingAndNeverRefuses()
    {
        var buckets = new TokenBuckets();

        var grant = buckets.Take(new TokenTake { CompletionPerMinute = 600, PromptNeeded = 1_000_000, PromptWanted = 1_000_000, CompletionNeeded = 10, CompletionWanted = 10 }, 0);

        Assert.Equal((0L, 10L, true), (grant.PromptGranted, grant.CompletionGranted, grant.Granted));
    }

    [Fact]
    public void Take_ALoweredLimitKeepsWhatWasUsed()
    {
        var buckets = new TokenBuckets();
        Assert.True(buckets.Take(Want(0, 500), 0).Granted);

        var lowered = buckets.Take(new TokenTake { PromptPerMinute = 6000, CompletionPerMinute = 300, CompletionNeeded = 150, CompletionWanted = 150 }, 0);

        Assert.False(lowered.Granted);
    }
}
