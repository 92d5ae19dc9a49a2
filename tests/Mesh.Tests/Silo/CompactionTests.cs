using Mesh.Contracts.Protocol;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>A silo that keeps very little history: subscribers further behind than it must get a fresh snapshot.</summary>
public sealed class CompactionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private SiloProcess _silo = null!;

    public async Task InitializeAsync() => _silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
    {
        ["Mesh__RecentChangesRetained"] = "3",
        ["Mesh__ChangeLogRetainedRevisions"] = "3",
        ["Mesh__CompactionInterval"] = "00:00:00.2",
    });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Resume_BehindCompactionPoint_GetsSnapshotWithCurrentState()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("first"));
        var behind = await _silo.StoreRevisionAsync();
        for (var i = 0; i < 10; i++)
        {
            await _silo.Admin.PutServiceAsync(TestResources.Service($"later-{i}"));
        }

        using (var delete = await _silo.Admin.DeleteAsync("/api/v1/namespaces/default/services/first"))
        {
            delete.EnsureSuccessStatusCode();
        }

        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "behind", Namespace = "default" }, behind);
        var frame = await subscriber.Frames.ReadAsync().AsTask().WaitAsync(Deadline);

        var snapshot = Assert.IsType<SnapshotFrame>(frame);
        Assert.Equal(await _silo.StoreRevisionAsync(), snapshot.Revision);
        Assert.Contains(snapshot.Resources, r => r.Metadata.Name == "later-9");
        Assert.DoesNotContain(snapshot.Resources, r => r.Metadata.Name == "first");
    }

    [Fact]
    public async Task Resume_WithinRetainedHistory_StillGetsDelta()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("recent-a"));
        var recent = await _silo.StoreRevisionAsync();
        await _silo.Admin.PutServiceAsync(TestResources.Service("recent-b"));

        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "recent", Namespace = "default" }, recent);
        var frame = await subscriber.Frames.ReadAsync().AsTask().WaitAsync(Deadline);

        var delta = Assert.IsType<DeltaFrame>(frame);
        Assert.Equal("recent-b", Assert.Single(delta.Upserts).Metadata.Name);
    }
}
