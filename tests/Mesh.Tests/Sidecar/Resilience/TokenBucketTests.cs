using Mesh.Routing.Model;
using Mesh.Sidecar.Resilience;

namespace Mesh.Tests.Sidecar.Resilience;

public sealed class TokenBucketTests
{
    [Fact]
    public void TryAcquire_BurstOfMaxTokens_ThenRejects()
    {
        var bucket = new TokenBucket(new RateLimitConfig(5, 5, TimeSpan.FromSeconds(1)), new ManualTimeProvider());

        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(bucket.TryAcquire()));
        Assert.False(bucket.TryAcquire());
    }

    [Fact]
    public void TryAcquire_AfterOneFillInterval_RefillsTokensPerFill()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(new RateLimitConfig(10, 2, TimeSpan.FromSeconds(1)), time);
        while (bucket.TryAcquire())
        {
        }

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(bucket.TryAcquire());

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(bucket.TryAcquire());
        Assert.True(bucket.TryAcquire());
        Assert.False(bucket.TryAcquire());
    }

    [Fact]
    public void TryAcquire_LongIdle_RefillCappedAtMaxTokens()
    {
        var time = new ManualTimeProvider();
        var bucket = new TokenBucket(new RateLimitConfig(3, 1, TimeSpan.FromSeconds(1)), time);
        while (bucket.TryAcquire())
        {
        }

        time.Advance(TimeSpan.FromHours(1));

        Assert.Equal(3, Enumerable.Range(0, 10).Count(_ => bucket.TryAcquire()));
    }
}
