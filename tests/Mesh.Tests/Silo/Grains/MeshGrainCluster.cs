using Mesh.Silo.Cache;
using Mesh.Silo.Health;
using Mesh.Silo.Observability;
using Mesh.Silo.Subscriptions;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Orleans;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Mesh.Tests.Silo.Grains;

/// <summary>
/// An in-process Orleans cluster of three silos with the control plane's grains, all sharing one store: what a
/// cluster of silo processes on one PostgreSQL is, minus the processes.
/// </summary>
internal static class MeshGrainCluster
{
    public static async Task<InProcessTestCluster> StartAsync(IMeshStore store, IChangeAnnouncer announcer, int partitions)
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((silo, orleans) =>
        {
            orleans.AddMemoryGrainStorage(OrleansPostgresSiloBuilderExtensions.StorageName);
            orleans.UseInMemoryReminderService();
            orleans.AddMeshHealthPartitions();
            // The silo's own failure-detection settings, so a killed silo is declared dead as quickly as in production.
            orleans.Configure<ClusterMembershipOptions>(membership =>
            {
                membership.ProbeTimeout = TimeSpan.FromSeconds(1);
                membership.NumMissedProbesLimit = 3;
                membership.NumVotesForDeathDeclaration = 1;
            });
            orleans.Services.AddSingleton(store);
            orleans.Services.AddSingleton(announcer);
            orleans.Services.AddSingleton<ShardOwnership>();
            orleans.Services.AddSingleton(TimeProvider.System);
            orleans.Services.AddSingleton<SubscriberRegistry>();
            orleans.Services.AddSingleton<ResourceCache>();
            orleans.Services.AddSingleton<SiloMetrics>();
            orleans.Services.AddSingleton<ResourceWriter>();
            orleans.Services.AddSingleton(new Mesh.Silo.SiloOptions
            {
                SiloId = silo.SiloName,
                LeaseSweepInterval = TimeSpan.FromMilliseconds(50),
                LeaseSweepGraceAfterOutage = TimeSpan.Zero,
                Health = new HealthOptions { Shards = partitions },
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }
}

/// <summary>Records the revisions the grains announce, in place of the silo's change feed and stream.</summary>
internal sealed class RecordingAnnouncer : IChangeAnnouncer
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<long> _revisions = new();

    public IReadOnlyCollection<long> Revisions => _revisions;

    public void Committed(long revision) => _revisions.Enqueue(revision);
}
