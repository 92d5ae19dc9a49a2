using System.Net.Http.Headers;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Xunit.Abstractions;

namespace Mesh.Tests.Infrastructure;

/// <summary>A real silo process on a loopback port, with an admin client. Disposing kills it.</summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token";
    public const string ReadOnlyToken = "test-reader-token";

    private readonly ManagedProcess _process;

    private SiloProcess(ManagedProcess process, int port, string siloId)
    {
        _process = process;
        Port = port;
        SiloId = siloId;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        Admin = CreateClient(AdminToken);
    }

    public int Port { get; }

    public string SiloId { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client carrying the admin token.</summary>
    public HttpClient Admin { get; }

    public ManagedProcess Process => _process;

    public static async Task<SiloProcess> StartAsync(string? postgres = null, string? siloId = null, ITestOutputHelper? log = null,
        IReadOnlyDictionary<string, string?>? settings = null, int? port = null)
    {
        var chosenPort = port ?? TestPorts.Next();
        var id = siloId ?? $"silo-{chosenPort}";
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartOnceAsync(postgres, id, log, settings, chosenPort);
            }
            catch (InvalidOperationException ex) when (port is null && attempt < 3 && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                // A free port is only free when chosen: another process (or another silo's Orleans port, also chosen
                // free and bound later) can take it before this silo binds. Only that race is retried, on a new port.
                log?.WriteLine($"{id}: port {chosenPort} was taken before the silo bound it; retrying on another port");
                chosenPort = TestPorts.Next();
            }
        }
    }

    private static async Task<SiloProcess> StartOnceAsync(string? postgres, string id, ITestOutputHelper? log, IReadOnlyDictionary<string, string?>? settings, int chosenPort)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Mesh__AdminToken"] = AdminToken,
            ["Mesh__ReadOnlyTokens__0"] = ReadOnlyToken,
            ["Mesh__SiloId"] = id,
            ["Mesh__Postgres"] = postgres is null ? null : postgres + $";Application Name={id}",
            ["MESH_POSTGRES"] = null,
            // Tests that expire leases on purpose should not wait the production grace after start.
            ["Mesh__LeaseSweepGraceAfterOutage"] = "00:00:01",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var process = ManagedProcess.StartDotnet(id, MeshPaths.Silo, ["--urls", $"http://127.0.0.1:{chosenPort}"], environment, log);
        var silo = new SiloProcess(process, chosenPort, id);
        try
        {
            await silo.WaitReadyAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }

        return silo;
    }

    public Task WaitReadyAsync(TimeSpan timeout) =>
        Poll.UntilTrueAsync(async () =>
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"silo exited with {_process.ExitCode}:\n{_process.Output}");
            }

            using var response = await Admin.GetAsync("/readyz");
            return response.IsSuccessStatusCode;
        }, timeout, () => $"silo on {Port} never became ready:\n{_process.Output}");

    public HttpClient CreateClient(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<long> StoreRevisionAsync()
    {
        var info = await Admin.GetFromJsonAsync<RevisionInfo>("/api/v1/revision", MeshJson.Options);
        return info!.StoreRevision;
    }

    public void Kill() => _process.Kill();

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await _process.DisposeAsync();
    }

    private sealed record RevisionInfo(long StoreRevision, long CacheRevision, string SiloId);
}
