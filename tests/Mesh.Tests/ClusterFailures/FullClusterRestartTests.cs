using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Silo.Certificates;
using Mesh.Storage.Abstractions;
using Mesh.Tests.Certificates;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.ClusterFailures;

/// <summary>
/// Every silo of the cluster is killed at once (kill -9, no graceful stop) and a new cluster starts on the same
/// database: everything acknowledged before must be back, from the registry to the CA and the grains' own state.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class FullClusterRestartTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);
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
    public async Task KillEverySilo_NewClusterOnTheSameDatabase_EveryRecordIsBack()
    {
        var database = await postgres.CreateDatabaseAsync("full_restart");
        await StartClusterAsync(database, "before");
        var admin = _silos[0].Admin;
        await admin.PutServiceAsync(TestResources.Service("reviews"));
        await admin.PutServiceAsync(TestResources.Service("ratings"));
        await admin.RegisterAsync(new EndpointRegistration { Service = "reviews", Address = "10.0.0.1", Port = 9080, Labels = new Dictionary<string, string> { ["version"] = "v1" } });
        await _silos[1].Admin.RegisterAsync(new EndpointRegistration { Service = "reviews", Address = "10.0.0.2", Port = 9080, TtlSeconds = 3600 });
        await _silos[2].Admin.RegisterAsync(new EndpointRegistration { Service = "ratings", Address = "10.0.0.3", Port = 9080, Weight = 3 });
        await _silos[1].Admin.PutResourceAsync(TestResources.VirtualService("reviews-route", "reviews"));
        await _silos[2].Admin.PutResourceAsync(new MeshResource
        {
            ApiVersion = "security.istio.io/v1",
            Kind = ResourceKinds.AuthorizationPolicy,
            Metadata = new ResourceMetadata { Name = "deny-all", Namespace = "default" },
            Spec = JsonSerializer.SerializeToElement(new { }),
        });
        var ca = new CaClient(_silos[0]);
        await ca.WaitForBundleAsync();
        var issued = await ca.IssueAsync(CaClient.NewCsr(), (await ca.CreateTokenAsync("shop", "cart")).Token);
        var before = await RecordsAsync(_silos[2]);
        var partitionsBefore = await ShardsAsync(_silos[0]);

        foreach (var silo in _silos)
        {
            silo.Kill();
        }

        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        _silos.Clear();
        await StartClusterAsync(database, "after");
        await new CaClient(_silos[1]).WaitForBundleAsync();

        var after = await RecordsAsync(_silos[1]);
        Assert.Equal(before.Services, after.Services);
        Assert.Equal(JsonSerializer.Serialize(before.Endpoints, MeshJson.Options), JsonSerializer.Serialize(after.Endpoints, MeshJson.Options));
        Assert.Equal(before.Policies, after.Policies);
        Assert.Equal(before.Roots, after.Roots);
        Assert.Contains(after.Issued, c => c.SerialNumber == issued.SerialNumber && c.SpiffeId == "spiffe://cluster.local/ns/shop/sa/cart");
        Assert.Equal(3, after.Endpoints.Count);
        Assert.Contains(after.Endpoints, e => e.LeaseExpiresAt is not null);

        // The grains' own state came back from Orleans' grain storage: each partition's generation counts on.
        var partitionsAfter = await Poll.UntilAsync(async () =>
        {
            var shards = await ShardsAsync(_silos[0]);
            return shards.All(s => s.Owner is not null) ? shards : null;
        }, Deadline, () => "the health partitions never all became active after the restart");
        Assert.All(partitionsAfter, p => Assert.True(p.Generation > partitionsBefore[p.Shard].Generation, $"partition {p.Shard}: generation {p.Generation} after, {partitionsBefore[p.Shard].Generation} before"));

        // And a sidecar subscribing to the new cluster gets the same configuration, by the same versions.
        await using var sidecar = await TestSubscriber.ConnectAsync(_silos[2].BaseAddress, new Mesh.Contracts.Protocol.NodeInfo { Id = "after-restart", Namespace = "default" });
        await sidecar.WaitForAsync(
            s => before.Endpoints.All(e => s.Get(new ResourceKey(ResourceKinds.Endpoint, e.Namespace, e.Name))?.Version == e.ResourceVersion)
                 && s.Get(new ResourceKey(ResourceKinds.VirtualService, "default", "reviews-route")) is not null,
            Deadline,
            "the registry and routing as before the restart");
    }

    private async Task StartClusterAsync(string database, string generation)
    {
        var settings = new Dictionary<string, string?> { ["Mesh__Ca__KeyEncryptionKey"] = _kek, ["MESH_CA_KEK"] = null };
        for (var i = 0; i < 3; i++)
        {
            _silos.Add(await SiloProcess.StartAsync(database, $"silo-{generation}-{i}", output, settings));
        }
    }

    private static async Task<Records> RecordsAsync(SiloProcess silo)
    {
        var admin = silo.Admin;
        var services = (await admin.GetFromJsonAsync<List<MeshResource>>("/api/v1/services", MeshJson.Options))!;
        var endpoints = (await admin.GetFromJsonAsync<List<EndpointView>>("/api/v1/endpoints", MeshJson.Options))!;
        var policies = new List<MeshResource>();
        foreach (var kind in new[] { ResourceKinds.VirtualService, ResourceKinds.AuthorizationPolicy })
        {
            policies.AddRange((await admin.GetFromJsonAsync<List<MeshResource>>($"/api/v1/resources/{kind}", MeshJson.Options))!);
        }

        var roots = (await admin.GetFromJsonAsync<List<CaRootView>>("/api/v1/ca/roots", MeshJson.Options))!;
        var issued = (await admin.GetFromJsonAsync<List<IssuedCertificateRow>>("/api/v1/ca/certificates", MeshJson.Options))!;
        return new Records(
            services.Select(Canonical).ToList(),
            endpoints.OrderBy(e => e.Name, StringComparer.Ordinal).Select(e => e with { OutlierReports = null }).ToList(),
            policies.Select(Canonical).ToList(),
            roots.Select(r => (r.Thumbprint, r.State)).ToList(),
            issued);
    }

    private static async Task<List<ShardView>> ShardsAsync(SiloProcess silo) =>
        (await silo.Admin.GetFromJsonAsync<List<ShardView>>("/api/v1/shards", MeshJson.Options))!;

    /// <summary>A resource as comparable text: kind, key, version and content.</summary>
    private static string Canonical(MeshResource resource) => JsonSerializer.Serialize(resource, MeshJson.Options);

    private sealed record Records(
        List<string> Services,
        List<EndpointView> Endpoints,
        List<string> Policies,
        List<(string Thumbprint, string State)> Roots,
        List<IssuedCertificateRow> Issued);
}
