using System.Net;
using System.Net.Sockets;
using Mesh.Grains.Changes;
using Mesh.Silo.Health;
using Mesh.Storage.Orleans;
using Orleans.Configuration;

namespace Mesh.Silo;

internal static class OrleansHostingExtensions
{
    /// <summary>
    /// Co-hosts an Orleans silo in the web host. With a database: membership, grain state and reminders in PostgreSQL
    /// (the Mesh migrations create those tables, so they run before Orleans starts). Without one: the embedded
    /// default, a single silo with development clustering and in-memory state. The same grains run in both.
    /// </summary>
    public static WebApplicationBuilder AddMeshOrleans(this WebApplicationBuilder builder, SiloOptions options)
    {
        var settings = options.Orleans;
        // Must start, and finish, before Orleans' own hosted service: ADO.NET clustering reads its tables on start.
        builder.Services.AddHostedService<SchemaMigrationService>();
        builder.Host.UseOrleans(silo =>
        {
            var siloPort = settings.SiloPort == 0 ? FreePort() : settings.SiloPort;
            silo.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = settings.ClusterId;
                cluster.ServiceId = settings.ServiceId;
            });
            silo.Configure<Orleans.Configuration.SiloOptions>(s => s.SiloName = options.SiloId);
            // No external Orleans clients: the admin API and the gRPC service call grains in-process, so no gateway.
            silo.ConfigureEndpoints(IPAddress.Parse(settings.AdvertisedAddress), siloPort, gatewayPort: 0, listenOnAnyHostAddress: false);
            silo.Configure<ClusterMembershipOptions>(membership =>
            {
                membership.ProbeTimeout = settings.ProbeTimeout;
                membership.NumMissedProbesLimit = settings.MissedProbesLimit;
                membership.NumVotesForDeathDeclaration = settings.VotesForDeathDeclaration;
                membership.IAmAliveTablePublishTimeout = settings.IAmAliveInterval;
                membership.TableRefreshTimeout = TimeSpan.FromSeconds(5);
            });
            silo.Configure<SiloMessagingOptions>(messaging => messaging.ResponseTimeout = settings.ResponseTimeout);
            if (string.IsNullOrWhiteSpace(options.Postgres))
            {
                silo.UseDevelopmentClustering(new IPEndPoint(IPAddress.Parse(settings.AdvertisedAddress), siloPort));
                silo.AddMemoryGrainStorageAsDefault();
                silo.AddMemoryGrainStorage(OrleansPostgresSiloBuilderExtensions.StorageName);
                silo.UseInMemoryReminderService();
            }
            else
            {
                silo.UseMeshPostgres(options.Postgres);
            }

            silo.AddMeshHealthPartitions();
            if (options.OtlpEndpoint is not null)
            {
                // Grain calls become spans in the caller's trace (Orleans' activity sources), exported with the silo's.
                silo.AddActivityPropagation();
            }

            // Change notices between silos. Memory streams: a notice is only a wake-up (the change log in the store is
            // the truth, polled as anti-entropy), so a durable stream would add latency and buy nothing. The
            // subscription list (PubSubStore) is soft state in memory for the same reason: each silo's relay
            // re-subscribes when it finds its subscription gone, and unsubscribes on a graceful stop.
            silo.AddMemoryGrainStorage("PubSubStore");
            silo.AddMemoryStreams(ChangeStream.Provider, stream =>
            {
                stream.ConfigurePartitioning(1);
                stream.ConfigurePullingAgent(agent => agent.Configure(o => o.GetQueueMsgsTimerPeriod = settings.StreamPollPeriod));
            });
        });
        return builder;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
