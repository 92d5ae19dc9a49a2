using Mesh.Contracts.Domains;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// One test's mesh on loopback: silo processes, upstream Kestrel apps and sidecar processes, all torn down on
/// dispose even when the test fails.
/// </summary>
internal sealed class MeshTestBed : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];

    private MeshTestBed(ITestOutputHelper log, string directory)
    {
        Log = log;
        Directory = directory;
    }

    public ITestOutputHelper Log { get; }
    public string Directory { get; }
    public List<SiloProcess> Silos { get; } = [];
    public SiloProcess Silo => Silos[0];
    public IEnumerable<string> SiloUrls => Silos.Select(s => s.BaseAddress.ToString().TrimEnd('/'));

    /// <summary>Starts <paramref name="silos"/> silos: in-memory for one, sharing <paramref name="postgres"/> for more.</summary>
    public static async Task<MeshTestBed> StartAsync(ITestOutputHelper log, int silos = 1, string? postgres = null, IReadOnlyDictionary<string, string?>? settings = null,
        int? port = null)
    {
        var bed = new MeshTestBed(log, System.IO.Directory.CreateTempSubdirectory("mesh-sidecar-e2e-").FullName);
        try
        {
            if (postgres is not null)
            {
                // Migrate before any silo starts: silos racing on an empty database stop on missing tables.
                await using var store = new Mesh.Storage.Postgres.PostgresMeshStore(new Mesh.Storage.Postgres.PostgresStoreOptions { ConnectionString = postgres },
                    TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<Mesh.Storage.Postgres.PostgresMeshStore>.Instance);
                await store.InitializeAsync(CancellationToken.None);
            }

            for (var i = 0; i < silos; i++)
            {
                var silo = await SiloProcess.StartAsync(postgres, log: log, settings: settings, port: i == 0 ? port : null);
                bed.Silos.Add(silo);
                bed._owned.Add(silo);
            }
        }
        catch
        {
            await bed.DisposeAsync();
            throw;
        }

        return bed;
    }

    public async Task<UpstreamServer> StartUpstreamAsync(string version, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols protocols = Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http1)
    {
        var upstream = await UpstreamServer.StartAsync(version, protocols);
        _owned.Add(upstream);
        return upstream;
    }

    public async Task<SidecarProcess> StartSidecarAsync(string id, string? service = null, int? appPort = null, string? labels = null,
        IEnumerable<string>? silos = null, string? stateFile = null, IEnumerable<string>? extraArgs = null)
    {
        var sidecar = await SidecarProcess.StartAsync(id, silos ?? SiloUrls, stateFile ?? Path.Combine(Directory, $"{id}.json"), Log, service, appPort, labels, extraArgs);
        _owned.Add(sidecar);
        return sidecar;
    }

    /// <summary>Takes <paramref name="owned"/> to dispose with the bed (in reverse order of arrival, like everything it started).</summary>
    public T Own<T>(T owned)
        where T : IAsyncDisposable
    {
        _owned.Add(owned);
        return owned;
    }

    /// <summary>Creates the service and registers each upstream directly (no sidecar in front of it).</summary>
    public async Task AddServiceAsync(string name, int port, params UpstreamServer[] instances)
    {
        await Silo.Admin.PutServiceAsync(TestResources.Service(name, port));
        foreach (var instance in instances)
        {
            await Silo.Admin.RegisterAsync(new EndpointRegistration
            {
                Service = name,
                Address = "127.0.0.1",
                Port = instance.Port,
                Labels = new Dictionary<string, string> { ["version"] = instance.Version, ["app"] = name },
            });
        }
    }

    /// <summary>Creates the service and registers servers on 127.0.0.1 at <paramref name="ports"/> (labels app and version v1).</summary>
    public async Task AddServiceAsync(string name, int port, IEnumerable<int> ports)
    {
        await Silo.Admin.PutServiceAsync(TestResources.Service(name, port));
        foreach (var serverPort in ports)
        {
            await Silo.Admin.RegisterAsync(new EndpointRegistration
            {
                Service = name,
                Address = "127.0.0.1",
                Port = serverPort,
                Labels = new Dictionary<string, string> { ["app"] = name, ["version"] = "v1" },
            });
        }
    }

    public Task<MeshResource> ApplyAsync(MeshResource resource) => Silo.Admin.PutResourceAsync(resource);

    /// <summary>Waits until every given sidecar runs the silo's newest revision.</summary>
    public async Task SyncAsync(params SidecarProcess[] sidecars)
    {
        var revision = await Silo.StoreRevisionAsync();
        foreach (var sidecar in sidecars)
        {
            await sidecar.WaitForRevisionAsync(revision);
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
