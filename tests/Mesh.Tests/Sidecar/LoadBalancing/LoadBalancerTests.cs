using Mesh.Sidecar.LoadBalancing;
using static Mesh.Tests.Sidecar.LoadBalancing.Endpoints;

namespace Mesh.Tests.Sidecar.LoadBalancing;

public sealed class LoadBalancerTests
{
    [Fact]
    public void RoundRobin_EqualWeights_VisitsEachEndpointInTurn()
    {
        EndpointRuntime[] endpoints = [Make(1), Make(2), Make(3)];
        var balancer = new RoundRobinBalancer(endpoints);

        var picks = Enumerable.Range(0, 6).Select(_ => balancer.Pick(endpoints, All, null)).ToList();

        Assert.Equal([endpoints[0], endpoints[1], endpoints[2], endpoints[0], endpoints[1], endpoints[2]], picks);
    }

    [Fact]
    public void RoundRobin_Weights3To1_ExactShareAndInterleaved()
    {
        EndpointRuntime[] endpoints = [Make(1, weight: 3), Make(2, weight: 1)];
        var balancer = new RoundRobinBalancer(endpoints);

        var counts = Count(endpoints, () => balancer.Pick(endpoints, All, null), 400);

        Assert.Equal(300, counts[endpoints[0]]);
        Assert.Equal(100, counts[endpoints[1]]);
        // Smooth WRR never sends the heavy endpoint's whole share in one burst.
        Assert.Equal([0, 0, 1, 0], RoundRobinBalancer.BuildSchedule(endpoints));
    }

    [Fact]
    public void RoundRobin_EjectedEndpoint_IsSkipped()
    {
        EndpointRuntime[] endpoints = [Make(1), Make(2)];
        endpoints[0].State.EjectedUntilTicks = long.MaxValue;
        var balancer = new RoundRobinBalancer(endpoints);

        var counts = Count(endpoints, () => balancer.Pick(endpoints, new EndpointFilter(1, false, null, false), null), 10);

        Assert.Equal(0, counts[endpoints[0]]);
        Assert.Equal(10, counts[endpoints[1]]);
    }

    [Fact]
    public void Random_Weights80To20_WithinTwoPercent()
    {
        EndpointRuntime[] endpoints = [Make(1, weight: 80), Make(2, weight: 20)];
        var balancer = new RandomBalancer(new Random(42));

        var counts = Count(endpoints, () => balancer.Pick(endpoints, All, null), 20_000);

        Assert.InRange(counts[endpoints[0]] / 20_000.0, 0.78, 0.82);
    }

    [Fact]
    public void LeastRequest_OneEndpointBusy_MostRequestsGoToIdleOnes()
    {
        EndpointRuntime[] endpoints = [Make(1), Make(2), Make(3)];
        endpoints[0].State.ActiveRequests = 50;
        var balancer = new LeastRequestBalancer(new Random(7));

        var counts = Count(endpoints, () => balancer.Pick(endpoints, All, null), 3000);

        // P2C picks the busy endpoint only when both choices land on it: (1/3)^2 ≈ 11%.
        Assert.InRange(counts[endpoints[0]] / 3000.0, 0.07, 0.15);
    }

    [Fact]
    public void LeastRequest_EqualLoad_SpreadsEvenly()
    {
        EndpointRuntime[] endpoints = [Make(1), Make(2)];
        var balancer = new LeastRequestBalancer(new Random(3));

        var counts = Count(endpoints, () => balancer.Pick(endpoints, All, null), 10_000);

        Assert.InRange(counts[endpoints[0]] / 10_000.0, 0.47, 0.53);
    }
}
