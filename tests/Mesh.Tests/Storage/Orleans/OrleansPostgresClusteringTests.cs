using Mesh.Storage.Orleans;
using Mesh.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.Runtime;

namespace Mesh.Tests.Storage.Orleans;

[Collection(PostgresCollection.Name)]
public sealed class OrleansPostgresClusteringTests(PostgresFixture postgres) : OrleansPostgresTestBase(postgres)
{
    [Fact]
    public async Task UseMeshPostgres_TwoSilos_FormOneClusterAndSeeAStoppedSiloLeave()
    {
        var first = await StartSiloAsync();
        var second = await StartSiloAsync();

        await Poll.UntilTrueAsync(() => Task.FromResult(ActivePorts(first).SetEquals([first.Port, second.Port]) && ActivePorts(second).SetEquals([first.Port, second.Port])),
            Deadline, () => $"silos did not see each other as Active: first sees [{string.Join(", ", ActivePorts(first))}], second sees [{string.Join(", ", ActivePorts(second))}]");
        Assert.Equal(2L, await ScalarAsync<long>("SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Status = 3", ("cluster", ClusterId)));
        // The version row is the table's etag: created by the first silo, bumped by every membership change.
        Assert.True(await ScalarAsync<int>("SELECT Version FROM OrleansMembershipVersionTable WHERE DeploymentId = @cluster", ("cluster", ClusterId)) >= 2);

        await StopSiloAsync(second);

        await Poll.UntilTrueAsync(() => Task.FromResult(ActivePorts(first).SetEquals([first.Port])),
            Deadline, () => $"the stopped silo is still Active to the first: [{string.Join(", ", ActivePorts(first))}]");
        Assert.Equal(6, await ScalarAsync<int>("SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = @cluster AND Port = @port", ("cluster", ClusterId), ("port", second.Port)));
    }

    private static HashSet<int> ActivePorts(OrleansTestSilo silo) =>
        silo.Services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress.Endpoint.Port)
            .ToHashSet();

    [Fact]
    public async Task GatewaysQuery_ExternalClient_FindsTheSiloThroughTheMembershipTable()
    {
        var silo = await StartSiloAsync();
        await silo.Grains.GetGrain<IOrleansCounterGrain>("gateway").AddAsync(3);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client => client
            .UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (OrleansPostgresSiloBuilderExtensions.Invariant, Database))
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ClusterId)));
        using var host = builder.Build();
        await host.StartAsync(Ct);
        try
        {
            var counter = host.Services.GetRequiredService<IClusterClient>().GetGrain<IOrleansCounterGrain>("gateway");
            Assert.Equal(new CounterSnapshot(3, 1), await counter.GetAsync());
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
