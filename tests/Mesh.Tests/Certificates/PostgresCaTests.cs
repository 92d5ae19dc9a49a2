using System.Net;
using System.Security.Cryptography;
using Mesh.Contracts.Certificates;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Npgsql;
using Xunit.Abstractions;

namespace Mesh.Tests.Certificates;

/// <summary>The CA shared by several real silo processes through one real PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresCaTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly List<SiloProcess> _silos = [];
    private readonly string _kek = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }
    }

    [Fact]
    public async Task Start_TwoSilosAtOnce_ShareOneRootAndTrustEachOthersCertificates()
    {
        var database = await postgres.CreateDatabaseAsync("ca_two");
        var (a, b) = await StartPairAsync(database);

        var bundleA = await a.WaitForBundleAsync();
        var bundleB = await b.WaitForBundleAsync();
        var rootsA = await a.RootsAsync();

        Assert.Equal(bundleA, bundleB);
        Assert.Equal(1, new[] { a, b }.Count(c => c.Silo.Process.Output.Contains("Generated a new CA root", StringComparison.Ordinal)));
        Assert.Equal("active", Assert.Single(rootsA).State);
        Assert.Equal(rootsA, await b.RootsAsync());
        var issuedByA = await a.IssueAsync(CaClient.NewCsr(), (await a.CreateTokenAsync("shop", "cart")).Token);
        Assert.True(CaClient.ChainsTo(issuedByA.CertificateChain, await b.BundleAsync()), "a certificate from silo A does not validate against silo B's bundle");

        // Stored state: the key is encrypted, the log holds the certificate, and the token only as a hash.
        await using var connection = new NpgsqlConnection(database);
        await connection.OpenAsync();
        await using var keys = new NpgsqlCommand("SELECT protected_key FROM mesh_ca_roots", connection);
        var stored = (string)(await keys.ExecuteScalarAsync())!;
        Assert.StartsWith("v1.", stored);
        Assert.DoesNotContain("PRIVATE KEY", stored);
        await using var issued = new NpgsqlCommand("SELECT spiffe_id FROM mesh_issued_certificates WHERE serial = @serial", connection);
        issued.Parameters.AddWithValue("serial", issuedByA.SerialNumber);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/cart", await issued.ExecuteScalarAsync());
    }

    [Fact]
    public async Task JoinToken_CreatedOnOneSilo_IsSingleUseAcrossSilos()
    {
        var (a, b) = await StartPairAsync(await postgres.CreateDatabaseAsync("ca_token"));
        await a.WaitForBundleAsync();
        await b.WaitForBundleAsync();
        var token = await a.CreateTokenAsync(singleUse: true);

        var onB = await b.IssueAsync(CaClient.NewCsr(), token.Token);
        var againOnA = await a.RequestCertificateAsync(CaClient.NewCsr(), token.Token);

        Assert.Equal("spiffe://cluster.local/ns/default/sa/reviews", onB.SpiffeId);
        Assert.Equal(HttpStatusCode.Unauthorized, againOnA.Status);
        Assert.Contains("already used", againOnA.Body);
    }

    [Fact]
    public async Task Rotate_ThroughSiloA_TakesEffectOnSiloBAndItsSubscribers()
    {
        var (a, b) = await StartPairAsync(await postgres.CreateDatabaseAsync("ca_rotate"));
        await a.WaitForBundleAsync();
        await b.WaitForBundleAsync();
        var old = Assert.Single(await b.RootsAsync());
        var key = new ResourceKey(ResourceKinds.TrustBundle, TrustBundleSpec.Namespace, TrustBundleSpec.Name);
        await using var sidecarOnB = await TestSubscriber.ConnectAsync(b.Silo.BaseAddress, new NodeInfo { Id = "sidecar-b", Namespace = "default" });

        var (status, body) = await a.SendAsync(HttpMethod.Post, "/api/v1/ca/roots", new { activate = true }, SiloProcess.AdminToken);
        Assert.True(status == HttpStatusCode.Created, $"{(int)status} {body}");

        await sidecarOnB.WaitForAsync(s => s.Get(key) is { } r && MeshJson.FromElement<TrustBundleSpec>(r.Spec)!.Roots.Count == 2, Deadline, "both roots via silo B");
        var fromB = await b.IssueAsync(CaClient.NewCsr(), (await b.CreateTokenAsync()).Token);
        var newRoot = (await b.RootsAsync()).Single(r => r.State == "active");
        Assert.NotEqual(old.Thumbprint, newRoot.Thumbprint);
        var bundleB = await b.BundleAsync();
        Assert.True(CaClient.ChainsTo(fromB.CertificateChain, CaClient.Certificates(bundleB).Single(c => c.Thumbprint == newRoot.Thumbprint).ExportCertificatePem()));

        var retire = await b.SendAsync(HttpMethod.Delete, $"/api/v1/ca/roots/{old.Thumbprint}", null, SiloProcess.AdminToken);
        Assert.Equal(HttpStatusCode.NoContent, retire.Status);
        Assert.Equal(newRoot.Thumbprint, Assert.Single(CaClient.Certificates(await a.BundleAsync())).Thumbprint);
        await sidecarOnB.WaitForAsync(s => MeshJson.FromElement<TrustBundleSpec>(s.Get(key)!.Spec)!.Roots.Count == 1, Deadline, "only the new root");
    }

    [Fact]
    public async Task Restart_WithSameKek_KeepsRoot_WrongKekIsA503()
    {
        var database = await postgres.CreateDatabaseAsync("ca_restart");
        // The same KEK from each source the silo reads: configuration, MESH_CA_KEK, then a file.
        var first = new CaClient(await StartAsync(database, "silo-first", null, new() { ["MESH_CA_KEK"] = _kek }));
        var bundle = await first.WaitForBundleAsync();
        await first.Silo.DisposeAsync();
        _silos.Remove(first.Silo);

        var kekFile = Path.Combine(Path.GetTempPath(), $"mesh-kek-{Guid.NewGuid():N}");
        await File.WriteAllBytesAsync(kekFile, Convert.FromBase64String(_kek));
        using var cleanup = new FileCleanup(kekFile);
        var again = new CaClient(await StartAsync(database, "silo-again", null, new() { ["Mesh__Ca__KeyEncryptionKeyFile"] = kekFile }));
        var wrong = new CaClient(await StartAsync(database, "silo-wrong", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))));

        Assert.Equal(bundle, await again.WaitForBundleAsync());
        await again.IssueAsync(CaClient.NewCsr(), (await again.CreateTokenAsync()).Token);
        Assert.Equal(bundle, await wrong.WaitForBundleAsync());
        var refused = await wrong.RequestCertificateAsync(CaClient.NewCsr(), (await wrong.CreateTokenAsync()).Token);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Contains("cannot be decrypted", refused.Body);
    }

    [Fact]
    public async Task Start_WithoutKek_CaAnswers503AndSiloKeepsServing()
    {
        var silo = await StartAsync(await postgres.CreateDatabaseAsync("ca_nokek"), "silo-nokek", kek: null);
        var ca = new CaClient(silo);
        var token = await ca.CreateTokenAsync();

        var (status, body) = await Poll.UntilAsync(async () =>
        {
            var result = await ca.RequestCertificateAsync(CaClient.NewCsr(), token.Token);
            return result.Body.Contains("starting", StringComparison.Ordinal) ? null : Tuple.Create(result.Status, result.Body);
        }, Deadline, () => "the CA never left its starting state");
        var bundle = await ca.SendAsync(HttpMethod.Get, "/api/v1/ca/bundle", null, null);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains("MESH_CA_KEK", body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, bundle.Status);
        Assert.Contains("MESH_CA_KEK", bundle.Body);
        await silo.Admin.PutServiceAsync(TestResources.Service("still-works"));
    }

    private async Task<(CaClient A, CaClient B)> StartPairAsync(string database)
    {
        var silos = await Task.WhenAll(StartAsync(database, "silo-a", _kek), StartAsync(database, "silo-b", _kek));
        return (new CaClient(silos[0]), new CaClient(silos[1]));
    }

    private async Task<SiloProcess> StartAsync(string database, string id, string? kek, Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Mesh__Ca__KeyEncryptionKey"] = kek,
            ["MESH_CA_KEK"] = null,
        };
        foreach (var (name, value) in extra ?? [])
        {
            settings[name] = value;
        }

        var silo = await SiloProcess.StartAsync(database, id, output, settings);
        lock (_silos)
        {
            _silos.Add(silo);
        }

        return silo;
    }

    private sealed class FileCleanup(string path) : IDisposable
    {
        public void Dispose() => File.Delete(path);
    }
}
