using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>Two real silos on one real database probing real Kestrel upstreams.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ActiveHealthCheckTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private HealthCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await HealthCluster.StartAsync(await postgres.CreateDatabaseAsync("health"), output, silos: 2);
        await _cluster.WaitBalancedAsync(_cluster.Silos[0], ["silo-a", "silo-b"], Deadline);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Probe_TwoSilos_EachEndpointProbedByExactlyOneSiloItsShardOwner()
    {
        await _cluster.Admin.PutServiceAsync(HealthCluster.Service("web", HealthCluster.Http()));
        var endpoints = await _cluster.AddEndpointsAsync("web", 8);
        await HealthCluster.WaitProbedAsync(endpoints.Select(e => e.Upstream), 3, Deadline);

        // The first window absorbs probes already in flight; the second is the one judged.
        endpoints.ForEach(e => e.Upstream.ResetCounts());
        await HealthCluster.WaitProbedAsync(endpoints.Select(e => e.Upstream), 3, Deadline);

        foreach (var (upstream, endpoint) in endpoints)
        {
            var prober = await HealthCluster.ProberAsync(_cluster.Silos[1], endpoint.Name);
            Assert.Equal([prober.Owner!], upstream.ProbesBySilo.Keys);
        }

        var metrics = await _cluster.Silos[0].Admin.GetStringAsync("/metrics");
        Assert.Contains($"mesh_silo_health_shards_held {HealthCluster.Shards / 2}", metrics, StringComparison.Ordinal);
        Assert.Contains("mesh_silo_health_probes_total{result=\"healthy\"}", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_UpstreamFailsThenRecovers_SubscriberSeesUnhealthyThenHealthy()
    {
        await _cluster.Admin.PutServiceAsync(HealthCluster.Service("api", HealthCluster.Http()));
        var (upstream, endpoint) = (await _cluster.AddEndpointsAsync("api", 1))[0];
        var key = new ResourceKey(ResourceKinds.Endpoint, "default", endpoint.Name);
        await using var subscriber = await TestSubscriber.ConnectAsync(_cluster.Silos[1].BaseAddress, new NodeInfo { Id = "watcher", Namespace = "default" });
        await HealthCluster.WaitProbedAsync([upstream], 2, Deadline);
        // The probes have passed; the push that carries the result may still be on its way to this subscriber.
        await subscriber.WaitForAsync(s => HealthOf(s, key) == EndpointHealth.Healthy, Deadline, "the endpoint turn Healthy");

        upstream.Status = 503;
        await subscriber.WaitForAsync(s => HealthOf(s, key) == EndpointHealth.Unhealthy, Deadline, "the endpoint turn Unhealthy");

        upstream.Status = 200;
        await subscriber.WaitForAsync(s => HealthOf(s, key) == EndpointHealth.Healthy, Deadline, "the endpoint recover");
    }

    [Fact]
    public async Task TcpCheck_ClosedPortUnhealthy_ListeningPortHealthy()
    {
        await _cluster.Admin.PutServiceAsync(HealthCluster.Service("db", new HealthCheckSpec { Tcp = new TcpHealthCheck(), Interval = "200ms", Timeout = "500ms", HealthyThreshold = 1, UnhealthyThreshold = 2 }));
        var open = await ProbeUpstream.StartAsync();
        _cluster.Upstreams.Add(open);
        var closed = await _cluster.Admin.RegisterAsync(new EndpointRegistration { Service = "db", Address = "127.0.0.1", Port = TestPorts.Next(), Health = EndpointHealth.Healthy });
        var listening = await _cluster.Admin.RegisterAsync(new EndpointRegistration { Service = "db", Address = "127.0.0.1", Port = open.Port, Health = EndpointHealth.Unknown });
        await using var subscriber = await TestSubscriber.ConnectAsync(_cluster.Silos[0].BaseAddress, new NodeInfo { Id = "tcp-watcher", Namespace = "default" });

        await subscriber.WaitForAsync(s => HealthOf(s, Key(closed)) == EndpointHealth.Unhealthy, Deadline, "the closed port turn Unhealthy");
        await subscriber.WaitForAsync(s => HealthOf(s, Key(listening)) == EndpointHealth.Healthy, Deadline, "the listening port turn Healthy");
    }

    private static ResourceKey Key(EndpointView endpoint) => new(ResourceKinds.Endpoint, endpoint.Namespace, endpoint.Name);

    internal static EndpointHealth? HealthOf(TestSubscriber subscriber, ResourceKey key) =>
        subscriber.Get(key) is { } resource ? MeshJson.FromElement<EndpointSpec>(resource.Spec)!.Health : null;
}
