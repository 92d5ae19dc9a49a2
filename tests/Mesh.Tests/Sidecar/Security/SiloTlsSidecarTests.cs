using System.Net.Http.Json;
using System.Net.Http.Headers;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.Security;

/// <summary>
/// Silo↔sidecar traffic over TLS: a silo serving only https:// with a certificate from its own CA, and sidecars that
/// trust only the mesh bundle (<c>--silo-ca</c>) and require the silo's SPIFFE identity.
/// </summary>
public sealed class SiloTlsSidecarTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mesh-silo-tls-");
    private ManagedProcess _silo = null!;
    private Uri _address = null!;

    public Task InitializeAsync()
    {
        (_silo, _address) = TlsSiloProcess.Start("silo-tls-only", output);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Sidecar_WithSiloCa_SubscribesOverTls_AndRefusesAWrongSiloIdentity()
    {
        // First contact: the operator fetches the bundle once (here without verification) and hands it to sidecars.
        using var firstContact = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = _address };
        var bundle = await Poll.UntilAsync(async () =>
        {
            using var response = await firstContact.GetAsync("/api/v1/ca/bundle");
            return response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync() : null;
        }, Deadline, () => $"the silo never served its bundle:\n{_silo.Output}");
        var bundlePath = Path.Combine(_directory.FullName, "mesh-bundle.pem");
        await File.WriteAllTextAsync(bundlePath, bundle);
        firstContact.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken);
        using (var put = await firstContact.PutAsJsonAsync("/api/v1/namespaces/default/services/tls-probe", TestResources.Service("tls-probe"), MeshJson.Options))
        {
            put.EnsureSuccessStatusCode();
        }

        var silo = _address.ToString().TrimEnd('/');
        await using var trusting = await SidecarProcess.StartAsync("tls-trusting", [silo], Path.Combine(_directory.FullName, "trusting.json"), output,
            extraArgs: ["--silo-ca", bundlePath]);
        await using var misled = await SidecarProcess.StartAsync("tls-misled", [silo], Path.Combine(_directory.FullName, "misled.json"), output,
            extraArgs: ["--silo-ca", bundlePath, "--silo-identity", "spiffe://cluster.local/ns/istio-system/sa/impostor"]);

        await Poll.UntilTrueAsync(async () => (await trusting.ConfigDumpAsync()).ToString().Contains("tls-probe", StringComparison.Ordinal), Deadline,
            () => $"the trusting sidecar never received the configuration over TLS:\n{trusting.Process.Output}");
        await misled.Process.WaitForOutputAsync("Subscription to", Deadline);

        Assert.Equal(0, await misled.RevisionAsync());
        Assert.True(await trusting.RevisionAsync() > 0);
    }
}
