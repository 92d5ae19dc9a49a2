using Mesh.Contracts.Cluster;
using System.Net.Http.Json;
using System.Net.WebSockets;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Storage.Abstractions;
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
    public async Task Subscribe_NewSubscriber_GetsSnapshotThenDeltas()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("s1"));
        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("reviews")), Deadline, "the snapshot with reviews");

        await _silo.Admin.PutServiceAsync(TestResources.Service("ratings"));
        await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("ratings")), Deadline, "the delta with ratings");

        using var delete = await _silo.Admin.DeleteAsync("/api/v1/namespaces/default/services/reviews");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, delete.StatusCode);
        await subscriber.WaitForAsync(s => !s.Has(TestResources.ServiceKey("reviews")), Deadline, "the removal of reviews");

        Assert.Equal(1, subscriber.SnapshotsReceived);
        Assert.True(subscriber.DeltasReceived >= 2, $"expected deltas, got {subscriber.DeltasReceived}");
        Assert.Equal(await _silo.StoreRevisionAsync(), subscriber.Revision);
    }

    [Fact]
    public async Task Subscribe_ResumeFromKnownRevision_GetsOnlyDelta()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("a"));
        long revision;
        await using (var first = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("resumer")))
        {
            await first.WaitForAsync(s => s.Has(TestResources.ServiceKey("a")), Deadline, "service a");
            revision = first.Revision;
        }

        await _silo.Admin.PutServiceAsync(TestResources.Service("b"));
        await using var resumed = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("resumer"), revision);
        var frame = await resumed.Frames.ReadAsync();

        var delta = Assert.IsType<DeltaFrame>(frame);
        Assert.Equal(revision, delta.FromRevision);
        Assert.Single(delta.Upserts);
        Assert.Equal("b", delta.Upserts[0].Metadata.Name);
    }

    [Fact]
    public async Task Subscribe_RevisionFromTheFuture_GetsSnapshot()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("a"));
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("future"), revision: 1_000_000);

        var frame = await subscriber.Frames.ReadAsync().AsTask().WaitAsync(Deadline);

        Assert.IsType<SnapshotFrame>(frame);
    }

    [Fact]
    public async Task Nack_IsVisibleInAdminApi()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("nacker"));
        await subscriber.WaitForAsync(s => s.SnapshotsReceived == 1, Deadline, "a snapshot");
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
    }

    [Fact]
    public async Task Subscribe_WithDependencies_ReceivesOnlyThoseServices()
    {
        await using var scoped = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("scoped", ["./reviews"]));
        await scoped.WaitForAsync(s => s.SnapshotsReceived == 1, Deadline, "a snapshot");

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
    public async Task Subscribe_MalformedHello_IsRejectedWithErrorFrame()
    {
        using var socket = new ClientWebSocket();
        await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{_silo.Port}/api/v1/subscribe"), CancellationToken.None);
        await socket.SendAsync("{\"type\":\"hello\",\"node\":{\"id\":\"\"},\"revision\":0}"u8.ToArray(), WebSocketMessageType.Text, true, CancellationToken.None);

        var buffer = new byte[4096];
        var result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        var frame = System.Text.Json.JsonSerializer.Deserialize<SubscriptionFrame>(buffer.AsSpan(0, result.Count), MeshJson.Options);

        var error = Assert.IsType<ErrorFrame>(frame);
        Assert.Contains("hello.node.id", error.Error);
        result = await socket.ReceiveAsync(buffer, CancellationToken.None);
        Assert.Equal(WebSocketMessageType.Close, result.MessageType);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, socket.CloseStatus);
    }

    [Fact]
    public async Task Subscribe_GarbageFrameAfterHello_ClosesWithPolicyViolation()
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, Node("garbage"));
        await subscriber.WaitForAsync(s => s.SnapshotsReceived == 1, Deadline, "a snapshot");

        await subscriber.SendRawAsync("{not json");

        await subscriber.WaitForAsync(s => s.State != WebSocketState.Open, Deadline, "the silo closing the stream");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, subscriber.CloseStatus);
        using var ready = await _silo.Admin.GetAsync("/readyz");
        Assert.True(ready.IsSuccessStatusCode, "the silo must survive a malformed frame");
    }
}
