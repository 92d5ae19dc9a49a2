using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar;

/// <summary>A real mesh-sidecar process with clients for its outbound (as an HTTP proxy) and admin listeners.</summary>
internal sealed partial class SidecarProcess : IAsyncDisposable
{
    private SidecarProcess(ManagedProcess process, string stateFile, int outbound, int inbound, int admin)
    {
        Process = process;
        StateFile = stateFile;
        OutboundPort = outbound;
        InboundPort = inbound;
        AdminPort = admin;
        Admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{admin}"), Timeout = TimeSpan.FromSeconds(10) };
        Proxy = CreateProxyClient();
    }

    public ManagedProcess Process { get; }
    public string StateFile { get; }
    public int OutboundPort { get; }
    public int InboundPort { get; }
    public int AdminPort { get; }
    public HttpClient Admin { get; }

    /// <summary>Sends absolute-form requests (<c>GET http://reviews:9080/</c>) as HTTP_PROXY users do.</summary>
    public HttpClient Proxy { get; }

    /// <summary>GET through the outbound listener, asserting the status; returns the body.</summary>
    public async Task<string> GetThroughAsync(string url, HttpStatusCode expected)
    {
        using var response = await Proxy.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{url}: expected {expected}, got {(int)response.StatusCode}: {body}");
        return body;
    }

    public static async Task<SidecarProcess> StartAsync(string id, IEnumerable<string> silos, string stateFile, ITestOutputHelper? log,
        string? service = null, int? appPort = null, string? labels = null, IEnumerable<string>? extraArgs = null)
    {
        List<string> args =
        [
            "--id", id, "--state-file", stateFile, "--outbound-port", "0", "--inbound-port", "0", "--admin-port", "0",
            "--token", SiloProcess.AdminToken, "--lease-ttl", "30",
        ];
        if (silos.Any())
        {
            args.AddRange(["--silo", string.Join(',', silos)]);
        }

        if (service is not null)
        {
            args.AddRange(["--service", service]);
        }

        if (appPort is not null)
        {
            args.AddRange(["--app-port", appPort.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        if (labels is not null)
        {
            args.AddRange(["--labels", labels]);
        }

        args.AddRange(extraArgs ?? []);
        var process = ManagedProcess.StartSidecar(id, args, null, log);
        try
        {
            var line = await process.WaitForOutputAsync("sidecar ready", TimeSpan.FromSeconds(30));
            var match = ReadyLine().Match(line);
            return new SidecarProcess(process, stateFile, Port(match, 1), Port(match, 2), Port(match, 3));
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public HttpClient CreateProxyClient(Version? version = null) =>
        new(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{OutboundPort}"), UseProxy = true, PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
        {
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestVersion = version ?? HttpVersion.Version11,
        };

    /// <summary>Waits until the sidecar runs a configuration at or after <paramref name="revision"/>.</summary>
    public Task WaitForRevisionAsync(long revision, TimeSpan? timeout = null) =>
        Poll.UntilTrueAsync(async () => await RevisionAsync() >= revision, timeout ?? TimeSpan.FromSeconds(20),
            () => $"sidecar never reached revision {revision}:\n{Process.Output}");

    /// <summary>
    /// Waits until the state file holds <paramref name="revision"/>. The sidecar swaps a configuration in (which
    /// <see cref="RevisionAsync"/> reports) before it saves it, so a test that kills it to restart from the file must
    /// wait for the save.
    /// </summary>
    public Task WaitForStateFileAsync(long revision) =>
        Poll.UntilTrueAsync(async () =>
        {
            if (!File.Exists(StateFile))
            {
                return false;
            }

            // Saved through a temporary file and a rename, so a file that exists is complete.
            using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(StateFile));
            return document.RootElement.TryGetProperty("revision", out var saved) && saved.GetInt64() >= revision;
        }, TimeSpan.FromSeconds(20), () => $"the state file {StateFile} never held revision {revision}");

    public async Task<long> RevisionAsync()
    {
        using var dump = JsonDocument.Parse(await Admin.GetStringAsync("/config_dump"));
        return dump.RootElement.GetProperty("revision").GetInt64();
    }

    public async Task<JsonElement> ConfigDumpAsync() => await Admin.GetFromJsonAsync<JsonElement>("/config_dump", MeshJson.Options);

    public Task<string> MetricsAsync() => Admin.GetStringAsync("/metrics");

    /// <summary>
    /// Waits until /metrics contains <paramref name="fragment"/>: a request is counted just after its response is
    /// sent, so the client can be faster than the counter.
    /// </summary>
    public Task WaitForMetricAsync(string fragment) =>
        Poll.UntilTrueAsync(async () => (await MetricsAsync()).Contains(fragment, StringComparison.Ordinal), TimeSpan.FromSeconds(10),
            () => $"/metrics never contained {fragment}");

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        Proxy.Dispose();
        await Process.DisposeAsync();
    }

    private static int Port(Match match, int group) => int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"outbound=(\d+) inbound=(\d+) admin=(\d+)")]
    private static partial Regex ReadyLine();
}
