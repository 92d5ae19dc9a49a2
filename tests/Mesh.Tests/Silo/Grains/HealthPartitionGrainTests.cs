using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Grains.Health;
using Mesh.Silo;
using Mesh.Silo.Cache;
using Mesh.Silo.Health;
using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;
using Mesh.Storage.Orleans;
using Mesh.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Mesh.Tests.Silo.Grains;

/// <summary>
/// The health partition grains on an in-process Orleans cluster of three silos sharing one store: one activation per
/// partition, lease expiry by that activation, and takeover by a survivor when its silo dies.
/// </summary>
public sealed class HealthPartitionGrainTests : IAsyncLifetime
{
    private const int Partitions = 4;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly IMeshStore _store = new InMemoryMeshStore(TimeProvider.System);
    private readonly RecordingAnnouncer _announced = new();
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        _cluster = await MeshGrainCluster.StartAsync(_store, _announced, Partitions);
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task EnsureActive_EveryPartition_OneActivationEachAndOnlyItsSiloHoldsIt()
    {
        var statuses = await EnsureAllAsync();

        for (var partition = 0; partition < Partitions; partition++)
        {
            var holders = _cluster.Silos.Where(s => s.ServiceProvider.GetRequiredService<ShardOwnership>().Holds(partition)).Select(s => s.Name).ToList();
            Assert.Equal([statuses[partition].Silo], holders);
        }

        Assert.True(statuses.Select(s => s.Silo).Distinct().Count() > 1, "the partitions were not spread over the silos");
        Assert.Equal(statuses, await EnsureAllAsync());
    }

    [Fact]
    public async Task Leases_WrittenBeforeAndAfterActivation_ExpireUnlessRenewed()
    {
        var now = DateTimeOffset.UtcNow;
        await _store.WriteAsync([.. Enumerable.Range(0, 12).Select(i => ResourceWrite.Upsert(Endpoint($"before-{i}"), leaseExpiresAt: now.AddMilliseconds(300)))], CancellationToken.None);
        await _store.WriteAsync([ResourceWrite.Upsert(Endpoint("renewed"), leaseExpiresAt: now.AddMilliseconds(300))], CancellationToken.None);
        await _store.RenewLeasesAsync([Key("renewed")], now.AddHours(1), CancellationToken.None);
        await EnsureAllAsync();

        // Registered after the partitions read their earliest expiry: only the one-way notice tells them.
        var late = DateTimeOffset.UtcNow.AddMilliseconds(300);
        await _store.WriteAsync([ResourceWrite.Upsert(Endpoint("after"), leaseExpiresAt: late)], CancellationToken.None);
        await Grain(Key("after")).LeaseScheduledAsync(late);

        await Poll.UntilTrueAsync(async () => (await _store.ListAsync(ResourceKinds.Endpoint, null, CancellationToken.None)).Count == 1, Deadline,
            () => "the expired leases were never removed");
        Assert.Equal("renewed", Assert.Single(await _store.ListAsync(ResourceKinds.Endpoint, null, CancellationToken.None)).Resource.Metadata.Name);
        Assert.NotEmpty(_announced.Revisions);
    }

    [Fact]
    public async Task KillSilo_ItsPartitionsLeases_ExpiredByTheSurvivorThatReactivatesIt()
    {
        var statuses = await EnsureAllAsync();
        var victim = _cluster.Silos.First(s => s.Name != _cluster.Silos[0].Name && statuses.Any(p => p.Silo == s.Name));
        var partition = statuses.First(p => p.Silo == victim.Name).Partition;
        var name = Enumerable.Range(0, 1000).Select(i => $"abandoned-{i}").First(n => ShardHash.Of("default", n, Partitions) == partition);
        await _store.WriteAsync([ResourceWrite.Upsert(Endpoint(name), leaseExpiresAt: DateTimeOffset.UtcNow.AddSeconds(2))], CancellationToken.None);

        await _cluster.KillSiloAsync(victim);

        var takenOver = await Poll.UntilAsync(async () =>
        {
            try
            {
                var status = await _cluster.Client.GetGrain<IHealthPartitionGrain>(partition).EnsureActiveAsync().WaitAsync(TimeSpan.FromSeconds(2));
                return status.Silo != victim.Name ? status : null;
            }
            catch (Exception ex) when (ex is TimeoutException or Orleans.Runtime.OrleansException)
            {
                return null;
            }
        }, Deadline, () => $"partition {partition} never re-activated off {victim.Name}");
        await Poll.UntilTrueAsync(async () => await _store.GetAsync(Key(name), CancellationToken.None) is null, Deadline,
            () => $"{name} was never expired after {victim.Name} died");
        // (Generations are not compared: memory grain storage may have lived on the killed silo.)
        Assert.Contains(takenOver.Silo, _cluster.Silos.Where(s => s != victim).Select(s => s.Name));
    }

    private async Task<HealthPartitionStatus[]> EnsureAllAsync() =>
        await Task.WhenAll(Enumerable.Range(0, Partitions).Select(p => _cluster.Client.GetGrain<IHealthPartitionGrain>(p).EnsureActiveAsync()));

    private IHealthPartitionGrain Grain(ResourceKey endpoint) =>
        _cluster.Client.GetGrain<IHealthPartitionGrain>(ShardHash.Of(endpoint.Namespace, endpoint.Name, Partitions));

    private static ResourceKey Key(string name) => new(ResourceKinds.Endpoint, "default", name);

    private static MeshResource Endpoint(string name) => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Endpoint,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
        Spec = MeshJson.ToElement(new EndpointSpec { Service = "reviews", Address = "10.0.0.1", Port = 9080 }),
    };
}
