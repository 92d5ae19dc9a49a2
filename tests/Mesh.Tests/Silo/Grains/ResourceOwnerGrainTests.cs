using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Grains.Health;
using Mesh.Grains.Policy;
using Mesh.Grains.Registry;
using Mesh.Grains.Resources;
using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;
using Mesh.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace Mesh.Tests.Silo.Grains;

/// <summary>
/// The grains that own the registry's services and the namespaces' policy, on an in-process cluster of three silos
/// sharing one store: one activation per owner whichever silo a write arrives at, versions checked, refusals carried
/// back as values, leases handed to the health partitions, and an owner re-activated on a survivor when its silo dies.
/// </summary>
public sealed class ResourceOwnerGrainTests : IAsyncLifetime
{
    private const int Partitions = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly IMeshStore _store = new InMemoryMeshStore(TimeProvider.System);
    private readonly RecordingAnnouncer _announced = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await MeshGrainCluster.StartAsync(_store, _announced, Partitions);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task RegisterEndpoint_ThroughEverySilo_OneActivationPerServiceStoresThemAll()
    {
        var registrations = _cluster.Silos.SelectMany((silo, s) => Enumerable.Range(0, 3).Select(async i =>
        {
            var grains = silo.ServiceProvider.GetRequiredService<IGrainFactory>();
            var endpoint = Endpoint("reviews", $"10.0.{s}.{i}");
            return await grains.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", "reviews"))
                .RegisterEndpointAsync(endpoint, null, createOnly: true);
        })).ToList();
        registrations.Add(_cluster.Client.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", "ratings"))
            .RegisterEndpointAsync(Endpoint("ratings", "10.1.0.1"), null, createOnly: true));

        var results = await Task.WhenAll(registrations);

        Assert.All(results, r => Assert.Equal(ResourceWriteStatus.Written, r.Status));
        Assert.All(results, r => Assert.True(r.Resource!.Version > 0, "a written endpoint has no resource version"));
        var stored = await _store.ListAsync(new ResourceQuery(ResourceKinds.Endpoint) { Service = "reviews" }, CancellationToken.None);
        Assert.Equal(9, stored.Count);
        Assert.Equal(2, (await ActivationsAsync("ServiceRegistryGrain")).Count);
        Assert.NotEmpty(_announced.Revisions);
    }

    [Fact]
    public async Task WriteService_StaleVersionOrExisting_ConflictAsValueAndNothingChanged()
    {
        var owner = _cluster.Client.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", "reviews"));
        var created = await owner.WriteServiceAsync(Service("reviews", port: 9080), createOnly: true);
        Assert.Equal(ResourceWriteStatus.Written, created.Status);
        var version = created.Resource!.Version;

        var again = await owner.WriteServiceAsync(Service("reviews", port: 9081), createOnly: true);
        var stale = Service("reviews", port: 9082);
        stale = stale with { Metadata = stale.Metadata with { ResourceVersion = version - 1 } };
        var staleResult = await owner.WriteServiceAsync(stale, createOnly: false);

        Assert.Equal(ResourceWriteStatus.Conflict, again.Status);
        Assert.Contains("already exists", again.Message);
        Assert.Equal(ResourceWriteStatus.Conflict, staleResult.Status);
        var current = await _store.GetAsync(new ResourceKey(ResourceKinds.Service, "default", "reviews"), CancellationToken.None);
        Assert.Equal(version, current!.Resource.Version);
        Assert.Equal(9080, MeshJson.FromElement<ServiceSpec>(current.Resource.Spec)!.Ports[0].Port);
    }

    [Fact]
    public async Task Deregister_And_SetHealth_MissingEndpoint_NotFound_ThenOnARegisteredOne_Written()
    {
        var owner = _cluster.Client.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", "reviews"));
        var name = EndpointSpec.NameFor("reviews", "10.0.0.9", 9080);
        Assert.Equal(ResourceWriteStatus.NotFound, (await owner.DeregisterEndpointAsync(name, null)).Status);
        Assert.Equal(ResourceWriteStatus.NotFound, (await owner.SetEndpointHealthAsync(name, EndpointHealth.Unhealthy)).Status);

        await owner.RegisterEndpointAsync(Endpoint("reviews", "10.0.0.9"), null, createOnly: true);
        var unhealthy = await owner.SetEndpointHealthAsync(name, EndpointHealth.Unhealthy);
        Assert.Equal(EndpointHealth.Unhealthy, MeshJson.FromElement<EndpointSpec>(unhealthy.Resource!.Spec)!.Health);
        Assert.Equal(ResourceWriteStatus.Written, (await owner.DeregisterEndpointAsync(name, unhealthy.Resource.Version)).Status);
        Assert.Null(await _store.GetAsync(new ResourceKey(ResourceKinds.Endpoint, "default", name), CancellationToken.None));
    }

    [Fact]
    public async Task Owners_AResourceTheyDoNotOwn_RefusedAndNothingStored()
    {
        var reviews = _cluster.Client.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", "reviews"));
        var policy = _cluster.Client.GetGrain<IPolicyGrain>("default");

        await Assert.ThrowsAsync<ArgumentException>(() => reviews.RegisterEndpointAsync(Endpoint("ratings", "10.0.0.1"), null, createOnly: true));
        await Assert.ThrowsAsync<ArgumentException>(() => reviews.WriteServiceAsync(Service("ratings", 9080), createOnly: true));
        await Assert.ThrowsAsync<ArgumentException>(() => policy.ApplyAsync(Service("reviews", 9080), createOnly: true));
        await Assert.ThrowsAsync<ArgumentException>(() => policy.ApplyAsync(VirtualService("other", "reviews"), createOnly: true));

        Assert.Empty((await _store.ReadSnapshotAsync(CancellationToken.None)).Resources);
    }

    [Fact]
    public async Task Policy_ApplyDeleteThroughAnySilo_VersionsChecked_OneActivationPerNamespace()
    {
        var viaFirst = _cluster.Silos[0].ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IPolicyGrain>("default");
        var viaLast = _cluster.Silos[^1].ServiceProvider.GetRequiredService<IGrainFactory>().GetGrain<IPolicyGrain>("default");

        var created = await viaFirst.ApplyAsync(VirtualService("default", "reviews"), createOnly: true);
        var duplicate = await viaLast.ApplyAsync(VirtualService("default", "reviews"), createOnly: true);
        var staleDelete = await viaLast.DeleteAsync(ResourceKinds.VirtualService, "reviews", created.Resource!.Version - 1);
        var missingDelete = await viaFirst.DeleteAsync(ResourceKinds.VirtualService, "absent", null);
        await _cluster.Client.GetGrain<IPolicyGrain>("team-b").ApplyAsync(VirtualService("team-b", "reviews"), createOnly: true);

        Assert.Equal(ResourceWriteStatus.Written, created.Status);
        Assert.Equal(ResourceWriteStatus.Conflict, duplicate.Status);
        Assert.Equal(ResourceWriteStatus.Conflict, staleDelete.Status);
        Assert.Equal(ResourceWriteStatus.NotFound, missingDelete.Status);
        Assert.Equal(ResourceWriteStatus.Written, (await viaLast.DeleteAsync(ResourceKinds.VirtualService, "reviews", created.Resource.Version)).Status);
        Assert.Equal(2, (await ActivationsAsync("PolicyGrain")).Count);
    }

    [Fact]
    public async Task RegisterEndpoint_WithLeases_TheEndpointsHealthPartitionsExpireEveryOne()
    {
        await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => _cluster.Client.GetGrain<IHealthPartitionGrain>(p).EnsureActiveAsync()));
        var owner = _cluster.Client.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", "reviews"));

        // Registered after the partitions read their earliest expiry: only the registry grain's notices tell them. The
        // later leases of a partition it already told about get no notice; the partition finds them when it sweeps.
        for (var i = 0; i < 8; i++)
        {
            var result = await owner.RegisterEndpointAsync(Endpoint("reviews", $"10.0.0.{i}"), DateTimeOffset.UtcNow.AddMilliseconds(300 + 100 * i), createOnly: true);
            Assert.Equal(ResourceWriteStatus.Written, result.Status);
        }

        var kept = await owner.RegisterEndpointAsync(Endpoint("reviews", "10.0.1.1"), null, createOnly: true);

        await Poll.UntilTrueAsync(async () => (await _store.ListAsync(ResourceKinds.Endpoint, null, CancellationToken.None)).Count == 1, Deadline,
            () => "not every leased endpoint was expired");
        Assert.NotNull(await _store.GetAsync(kept.Resource!.Key, CancellationToken.None));
    }

    [Fact]
    public async Task KillSilo_HoldingAServicesOwner_TheNextWriteThroughASurvivorReactivatesIt()
    {
        var services = Enumerable.Range(0, 12).Select(i => $"svc-{i}").ToList();
        await Task.WhenAll(services.Select(s => _cluster.Client.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", s))
            .WriteServiceAsync(Service(s, 9080), createOnly: true)));
        var placed = await ActivationsAsync("ServiceRegistryGrain");
        var primary = _cluster.Silos[0].SiloAddress;
        var (victimAddress, grainId) = placed.First(p => !p.Silo.Equals(primary));
        var service = ServiceRegistryKey.Parse(grainId.Key.ToString()!).Service;
        var victim = _cluster.Silos.Single(s => s.SiloAddress.Equals(victimAddress));

        await _cluster.KillSiloAsync(victim);

        var survivor = _cluster.Silos.First(s => s != victim).ServiceProvider.GetRequiredService<IGrainFactory>();
        var updated = await Poll.UntilAsync(async () =>
        {
            try
            {
                var result = await survivor.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For("default", service))
                    .WriteServiceAsync(Service(service, 9090), createOnly: false).WaitAsync(TimeSpan.FromSeconds(2));
                return result.Status == ResourceWriteStatus.Written ? result : null;
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException)
            {
                return null;
            }
        }, Deadline, () => $"the registry grain of {service} never answered again after {victim.Name} died");

        Assert.Equal(9090, MeshJson.FromElement<ServiceSpec>(updated.Resource!.Spec)!.Ports[0].Port);
        var now = (await ActivationsAsync("ServiceRegistryGrain")).Where(p => p.Grain.Key.ToString() == grainId.Key.ToString()).ToList();
        Assert.NotEqual(victimAddress, Assert.Single(now).Silo);
    }

    /// <summary>Where each activation of a grain class lives, from Orleans' management grain.</summary>
    private async Task<List<(SiloAddress Silo, GrainId Grain)>> ActivationsAsync(string grainClass)
    {
        var management = _cluster.Client.GetGrain<IManagementGrain>(0);
        var statistics = await management.GetDetailedGrainStatistics();
        return statistics.Where(s => s.GrainType.Contains(grainClass, StringComparison.Ordinal)).Select(s => (s.SiloAddress, s.GrainId)).ToList();
    }

    private static MeshResource Endpoint(string service, string address) => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Endpoint,
        Metadata = new ResourceMetadata { Name = EndpointSpec.NameFor(service, address, 9080), Namespace = "default" },
        Spec = MeshJson.ToElement(new EndpointSpec { Service = service, Address = address, Port = 9080 }),
    };

    private static MeshResource Service(string name, int port) => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Service,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
        Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = port }] }),
    };

    private static MeshResource VirtualService(string @namespace, string name) => new()
    {
        ApiVersion = "networking.istio.io/v1",
        Kind = ResourceKinds.VirtualService,
        Metadata = new ResourceMetadata { Name = name, Namespace = @namespace },
        Spec = MeshJson.ToElement(new { hosts = new[] { name } }),
    };
}
