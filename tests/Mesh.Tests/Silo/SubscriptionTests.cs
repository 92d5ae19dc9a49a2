using Mesh.Contracts.Cluster;
using System.Net.Http.Json;
using Grpc.Core;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>The push path against one real silo process with its embedded in-memory store.</summary>
public sealed class SubscriptionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private SiloProcess _silo = null!;

    public async Task InitializeAsync() => _silo = await SiloProcess.StartAsync(log: output);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private static NodeInfo Node(string id, IReadOnlyList<string>? dependencies = null) =>
        new() { Id = id, Namespace = "default", Dependencies = dependencies };

    [Fact]
    public async Task Subscribe_NewSubscriber_GetsEverythingThenChanges()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("s1"));
        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("reviews")), Deadline, "the first response with reviews");

        await _silo.Admin.PutServiceAsync(TestResources.Service("ratings"));
        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("ratings")), Deadline, "the update with ratings");

        using var delete = await _silo.Admin.DeleteAsync("/api/v1/namespaces/default/services/reviews");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, delete.StatusCode);
        await subscriber.WaitForAsync(s => !s.Has(TestResources.ServiceKey("reviews")), Deadline, "the removal of reviews");

        Assert.Equal(1, subscriber.InitialResponses);
        Assert.True(subscriber.Updates >= 2, $"expected updates, got {subscriber.Updates}");
        Assert.Equal(await _silo.StoreRevisionAsync(), subscriber.Revision);
    }

    [Fact]
    public async Task Subscribe_ResumeWithHeldVersions_GetsOnlyTheDifference()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("a"));
        await _silo.Admin.PutServiceAsync(TestResources.Service("gone"));
        IReadOnlyDictionary<ResourceKey, long> held;
        await using (var first = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("resumer")))
        {
            await first.WaitForAsync(s => s.Has(TestResources.ServiceKey("gone")), Deadline, "service gone");
            held = first.HeldVersions;
        }

        await _silo.Admin.PutServiceAsync(TestResources.Service("b"));
        (await _silo.Admin.DeleteAsync("/api/v1/namespaces/default/services/gone")).EnsureSuccessStatusCode();
        await using var resumed = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("resumer"), held);
        var response = (await resumed.Responses.ReadAsync().AsTask().WaitAsync(Deadline)).Resources;

        Assert.Equal("b", Assert.Single(response.Resources_).Name);
        Assert.Equal("Service/default/gone", Assert.Single(response.RemovedResources));
    }

    [Fact]
    public async Task Subscribe_HeldVersionNewerThanSilo_GetsTheSilosVersion()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("a"));
        var held = new Dictionary<ResourceKey, long> { [TestResources.ServiceKey("a")] = 1_000_000 };
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("future"), held);

        var response = (await subscriber.Responses.ReadAsync().AsTask().WaitAsync(Deadline)).Resources;

        var a = Assert.Single(response.Resources_, r => r.Name == "a");
        Assert.NotEqual("1000000", a.Version);
    }

    [Fact]
    public async Task Nack_KeepsPreviousConfigAndIsVisibleInAdminApi()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("nacker"));
        await subscriber.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");
        // Only the response carrying the write is refused: the CA's trust bundle may still be on its way to a fresh silo.
        subscriber.NackOnlyIf = r => r.Resources_.Any(x => WireResources.FromWire(x).Key == TestResources.ServiceKey("reviews"));
        subscriber.NackNextWith = "route reviews: unknown subset v9";

        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));

        var status = await Poll.UntilAsync(async () =>
        {
            var list = await _silo.Admin.GetFromJsonAsync<List<SubscriberStatus>>("/api/v1/subscribers", MeshJson.Options);
            return list!.FirstOrDefault(s => s.Id == "nacker" && s.LastNackError is not null);
        }, Deadline, () => "the NACK never appeared in /api/v1/subscribers");
        Assert.Equal("route reviews: unknown subset v9", status.LastNackError);
        Assert.Equal(_silo.SiloId, status.SiloId);
        Assert.True(status.NackedRevision > status.AckedRevision);
        // The previous configuration stays: the subscriber's accepted revision never reaches the refused one.
        Assert.True(subscriber.Revision < status.NackedRevision, "the refused revision was taken");
    }

    [Fact]
    public async Task Subscribe_WithDependencies_ReceivesOnlyThoseServices()
    {
        await using var scoped = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("scoped", ["./reviews"]));
        await scoped.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");

        await _silo.Admin.PutServiceAsync(TestResources.Service("ratings"));
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await _silo.Admin.PutResourceAsync(TestResources.VirtualService("ratings", "ratings"));
        await _silo.Admin.PutResourceAsync(TestResources.VirtualService("reviews", "reviews"));

        await scoped.WaitForAsync(s => s.Has(new("VirtualService", "default", "reviews")), Deadline, "the reviews VirtualService");
        Assert.True(scoped.Has(TestResources.ServiceKey("reviews")));
        Assert.False(scoped.Has(TestResources.ServiceKey("ratings")));
        Assert.False(scoped.Has(new("VirtualService", "default", "ratings")));
    }

    [Fact]
    public async Task Subscribe_LeftScopeWhileAway_ResumeRemovesIt()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("ratings"));
        IReadOnlyDictionary<ResourceKey, long> held;
        await using (var wide = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("narrowing")))
        {
            await wide.WaitForAsync(s => s.Has(TestResources.ServiceKey("ratings")), Deadline, "ratings");
            held = wide.HeldVersions;
        }

        await using var narrow = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("narrowing", ["./reviews"]), held);
        var response = (await narrow.Responses.ReadAsync().AsTask().WaitAsync(Deadline)).Resources;

        Assert.Contains("Service/default/ratings", response.RemovedResources);
        Assert.Empty(response.Resources_);
    }
}
