using Mesh.Contracts.Protocol;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>
/// A silo that keeps very little history. Resume is by held versions, so a subscriber further behind than the history
/// still gets exactly the difference, never the whole mesh.
/// </summary>
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
    public async Task Resume_BehindCompactionPoint_GetsExactDifference()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("first"));
        var behind = await HeldAsync("behind-probe", TestResources.ServiceKey("first"));
        for (var i = 0; i < 10; i++)
        {
            await _silo.Admin.PutServiceAsync(TestResources.Service($"later-{i}"));
        }

        using (var delete = await _silo.Admin.DeleteAsync("/api/v1/namespaces/default/services/first"))
        {
            delete.EnsureSuccessStatusCode();
        }

        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "behind", Namespace = "default" }, behind);
        var response = (await subscriber.Responses.ReadAsync().AsTask().WaitAsync(Deadline)).Resources;

        Assert.Equal(await _silo.StoreRevisionAsync(), long.Parse(response.SystemVersionInfo, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"later-{i}").Order(), response.Resources_.Select(r => r.Name).Order());
        Assert.Equal("Service/default/first", Assert.Single(response.RemovedResources));
    }

    /// <summary>What a subscriber holds once it has seen <paramref name="key"/>.</summary>
    private async Task<IReadOnlyDictionary<Mesh.Contracts.Resources.ResourceKey, long>> HeldAsync(string id, Mesh.Contracts.Resources.ResourceKey key)
    {
        await using var probe = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = id, Namespace = "default" });
        await probe.WaitForAsync(s => s.Has(key), Deadline, key.ToString());
        return probe.HeldVersions;
    }

    [Fact]
    public async Task Resume_WithinRetainedHistory_GetsOnlyTheChange()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service("recent-a"));
        var recent = await HeldAsync("recent-probe", TestResources.ServiceKey("recent-a"));
        await _silo.Admin.PutServiceAsync(TestResources.Service("recent-b"));

        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "recent", Namespace = "default" }, recent);
        var response = (await subscriber.Responses.ReadAsync().AsTask().WaitAsync(Deadline)).Resources;

        Assert.Equal("recent-b", Assert.Single(response.Resources_).Name);
        Assert.Empty(response.RemovedResources);
    }
}
