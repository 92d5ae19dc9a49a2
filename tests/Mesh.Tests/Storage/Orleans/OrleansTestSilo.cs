using System.Net;
using Mesh.Storage.Orleans;
using Mesh.Storage.Postgres.Migrations;
using Mesh.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Mesh.Tests.Storage.Orleans;

/// <summary>
/// A real Orleans silo host on loopback free ports, configured only through <c>UseMeshPostgres</c>. Several of them
/// with the same <paramref name="clusterId"/> on one database form a cluster; a new one after the others stopped is
/// a cluster restart.
/// </summary>
internal sealed class OrleansTestSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private OrleansTestSilo(IHost host, int port)
    {
        _host = host;
        Port = port;
    }

    public int Port { get; }

    public IServiceProvider Services => _host.Services;

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public static async Task<OrleansTestSilo> StartAsync(string connectionString, string clusterId, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var port = TestPorts.Next();
        builder.UseOrleans(silo => silo
            .UseMeshPostgres(connectionString)
            .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, clusterId))
            .ConfigureEndpoints(IPAddress.Loopback, port, TestPorts.Next())
            // The default minimum period is one minute; the reminder test ticks every second.
            .Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1)));
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch
        {
            host.Dispose();
            throw;
        }

        return new OrleansTestSilo(host, port);
    }

    /// <summary>Applies the Mesh migrations, as a Mesh silo does before it starts Orleans.</summary>
    public static async Task MigrateAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await new PostgresMigrator(NullLogger.Instance).MigrateAsync(connection, cancellationToken);
    }

    /// <summary>Stops the silo gracefully: it leaves the membership table as Dead.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => _host.StopAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(30));
        }
        finally
        {
            if (_host is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                _host.Dispose();
            }
        }
    }
}
