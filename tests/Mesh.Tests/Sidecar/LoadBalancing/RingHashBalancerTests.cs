using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing;
using Microsoft.AspNetCore.Http;
using static Mesh.Tests.Sidecar.LoadBalancing.Endpoints;

namespace Mesh.Tests.Sidecar.LoadBalancing;

public sealed class RingHashBalancerTests
{
    private static readonly HashKeyConfig UserHeader = new(HashKeySource.Header, "x-user");

    [Fact]
    public void Pick_SameHeaderValue_AlwaysSameEndpoint()
    {
        EndpointRuntime[] endpoints = [Make(1), Make(2), Make(3), Make(4)];
        var ring = new RingHashBalancer(endpoints, UserHeader, 1024, new Random(1));

        for (var user = 0; user < 50; user++)
        {
            var first = ring.Pick(endpoints, All, Request("x-user", $"user-{user}"));
            for (var repeat = 0; repeat < 5; repeat++)
            {
                Assert.Same(first, ring.Pick(endpoints, All, Request("x-user", $"user-{user}")));
            }
        }
    }

    [Fact]
    public void Pick_EndpointRemoved_OnlyItsKeysMove()
    {
        EndpointRuntime[] four = [Make(1), Make(2), Make(3), Make(4)];
        EndpointRuntime[] three = [.. four.Take(3)];
        var before = new RingHashBalancer(four, UserHeader, 1024, new Random(1));
        var after = new RingHashBalancer(three, UserHeader, 1024, new Random(1));

        var moved = 0;
        const int Keys = 4000;
        for (var key = 0; key < Keys; key++)
        {
            var hash = StableHash.Hash($"key-{key}");
            var was = before.PickByHash(four, All, hash)!;
            var now = after.PickByHash(three, All, hash)!;
            if (!ReferenceEquals(was, four[3]))
            {
                Assert.Same(was, now);
            }
            else
            {
                moved++;
            }
        }

        // The removed endpoint owned about a quarter of the keys; only those moved.
        Assert.InRange(moved / (double)Keys, 0.18, 0.32);
    }

    [Fact]
    public void Pick_Weights3To1_ShareFollowsWeight()
    {
        EndpointRuntime[] endpoints = [Make(1, weight: 3), Make(2, weight: 1)];
        var ring = new RingHashBalancer(endpoints, UserHeader, 4096, new Random(1));

        var heavy = Enumerable.Range(0, 8000).Count(k => ReferenceEquals(ring.PickByHash(endpoints, All, StableHash.Hash($"k{k}")), endpoints[0]));

        Assert.InRange(heavy / 8000.0, 0.70, 0.80);
    }

    [Fact]
    public void Pick_OwnerEjected_NextEndpointOnRing()
    {
        EndpointRuntime[] endpoints = [Make(1), Make(2), Make(3)];
        var ring = new RingHashBalancer(endpoints, UserHeader, 1024, new Random(1));
        var hash = StableHash.Hash("sticky");
        var owner = ring.PickByHash(endpoints, All, hash)!;

        owner.State.EjectedUntilTicks = long.MaxValue;
        var fallback = ring.PickByHash(endpoints, new EndpointFilter(1, false, null, false), hash);

        Assert.NotNull(fallback);
        Assert.NotSame(owner, fallback);
    }

    [Fact]
    public void Pick_NoKeyInRequest_StillPicksAnEndpoint()
    {
        EndpointRuntime[] endpoints = [Make(1), Make(2)];
        var ring = new RingHashBalancer(endpoints, UserHeader, 1024, new Random(1));

        Assert.NotNull(ring.Pick(endpoints, All, new DefaultHttpContext()));
    }

    [Fact]
    public void StableHash_SameInput_SameValueAcrossCalls()
    {
        Assert.Equal(StableHash.Hash("reviews"), StableHash.Hash("reviews"));
        Assert.NotEqual(StableHash.Hash("reviews"), StableHash.Hash("ratings"));
    }

    private static DefaultHttpContext Request(string header, string value)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[header] = value;
        return context;
    }
}
