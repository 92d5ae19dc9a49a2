using Mesh.Routing.Model;
using Mesh.Sidecar.Resilience;

namespace Mesh.Tests.Sidecar.Resilience;

public sealed class RetryBudgetTests
{
    [Fact]
    public void TryStartRetry_LowTraffic_MinRetryConcurrencyAllowed()
    {
        var state = new ClusterState();
        var retry = new RetryConfig { Attempts = 3, BudgetPercent = 20, MinRetryConcurrency = 3 };
        state.TryEnter(int.MaxValue);

        Assert.Equal(3, Enumerable.Range(0, 5).Count(_ => state.TryStartRetry(retry, null)));
    }

    [Fact]
    public void TryStartRetry_HighTraffic_BudgetPercentOfActiveRequests()
    {
        var state = new ClusterState();
        var retry = new RetryConfig { Attempts = 3, BudgetPercent = 20, MinRetryConcurrency = 3 };
        for (var i = 0; i < 100; i++)
        {
            state.TryEnter(int.MaxValue);
        }

        Assert.Equal(20, Enumerable.Range(0, 50).Count(_ => state.TryStartRetry(retry, null)));

        state.EndRetry();
        Assert.True(state.TryStartRetry(retry, null));
    }

    [Fact]
    public void TryStartRetry_PoolMaxRetries_CapsTheBudget()
    {
        var state = new ClusterState();
        var retry = new RetryConfig { Attempts = 3, BudgetPercent = 100, MinRetryConcurrency = 10 };

        Assert.Equal(2, Enumerable.Range(0, 10).Count(_ => state.TryStartRetry(retry, maxRetries: 2)));
    }

    [Fact]
    public void TryEnter_PoolLimitReached_Rejects()
    {
        var state = new ClusterState();
        var limit = ClusterState.LimitOf(new ConnectionPoolConfig { MaxConnections = 1, MaxPendingRequests = 1 });

        Assert.Equal(2, limit);
        Assert.True(state.TryEnter(limit));
        Assert.True(state.TryEnter(limit));
        Assert.False(state.TryEnter(limit));
        state.Exit();
        Assert.True(state.TryEnter(limit));
    }

    [Fact]
    public void RetryPolicy_Conditions_MatchIstioRetryOn()
    {
        var policy = new RetryPolicy(new RetryConfig { Attempts = 2, RetryOn = ["gateway-error", "connect-failure", "409"] });

        Assert.True(policy.ShouldRetry(503));
        Assert.True(policy.ShouldRetry(409));
        Assert.False(policy.ShouldRetry(500));
        Assert.True(policy.ShouldRetry(AttemptFailure.ConnectFailure));
        Assert.True(policy.ShouldRetry(AttemptFailure.PerTryTimeout));
        Assert.False(policy.ShouldRetry(AttemptFailure.Reset));
    }
}
