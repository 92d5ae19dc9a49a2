using Mesh.Routing.Model;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Resilience;
using static Mesh.Tests.Sidecar.LoadBalancing.Endpoints;

namespace Mesh.Tests.Sidecar.LoadBalancing;

public sealed class LocalityTests
{
    [Fact]
    public void Select_LocalZoneHealthy_OnlyLocalEndpointsChosen()
    {
        var cluster = Cluster(Make(1, zone: "a", localZone: "a"), Make(2, zone: "b", localZone: "a"), Make(3, zone: "a", localZone: "a"));

        var picks = Enumerable.Range(0, 20).Select(_ => cluster.Select(null, null, 1)!).ToList();

        Assert.All(picks, p => Assert.Equal("a", p.Config.Zone));
    }

    [Fact]
    public void Select_LocalZoneAllEjected_FailsOverToOtherZone()
    {
        var cluster = Cluster(Make(1, zone: "a", localZone: "a"), Make(2, zone: "b", localZone: "a"));
        cluster.Endpoints[0].State.EjectedUntilTicks = long.MaxValue;

        var picks = Enumerable.Range(0, 10).Select(_ => cluster.Select(null, null, 1)!).ToList();

        Assert.All(picks, p => Assert.Equal("b", p.Config.Zone));
    }

    [Fact]
    public void Select_EveryEndpointEjected_PanicRoutesToThemAnyway()
    {
        var cluster = Cluster(Make(1), Make(2));
        foreach (var endpoint in cluster.Endpoints)
        {
            endpoint.State.EjectedUntilTicks = long.MaxValue;
        }

        Assert.NotNull(cluster.Select(null, null, 1));
    }

    [Fact]
    public void Select_RetryExcludesPreviousEndpoint()
    {
        var cluster = Cluster(Make(1), Make(2));

        for (var i = 0; i < 10; i++)
        {
            Assert.Same(cluster.Endpoints[1], cluster.Select(null, cluster.Endpoints[0], 1));
        }
    }

    private static ClusterRuntime Cluster(params EndpointRuntime[] endpoints) =>
        new(new ClusterConfig { Name = "c" }, endpoints, new RoundRobinBalancer(endpoints), new ClusterState());
}
