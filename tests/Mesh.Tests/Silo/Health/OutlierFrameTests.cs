using System.Net.Http.Json;
using System.Net.WebSockets;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Registry;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo.Health;

/// <summary>Outlier frames from subscribers against one real silo process with its in-memory store.</summary>
public sealed class OutlierFrameTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private SiloProcess _silo = null!;
    private EndpointView _endpoint = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(log: output);
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        _endpoint = await _silo.Admin.RegisterAsync(new EndpointRegistration { Service = "reviews", Address = "127.0.0.1", Port = 9301 });
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    private Task<TestSubscriber> ConnectAsync(string id) =>
        TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = id, Namespace = "default" });

    private async Task<List<OutlierReport>> ReportsAsync() =>
        (await _silo.Admin.GetFromJsonAsync<List<OutlierReport>>("/api/v1/outliers", MeshJson.Options))!;

    [Fact]
    public async Task OutlierFrame_EjectedThenReturned_ShownThenClearedWithoutRevision()
    {
        await using var subscriber = await ConnectAsync("ejector");
        await subscriber.WaitForAsync(s => s.SnapshotsReceived == 1, Deadline, "a snapshot");
        var revision = await _silo.StoreRevisionAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(30);

        await subscriber.SendAsync(new OutlierFrame("default", _endpoint.Name, true, "5 consecutive 5xx responses", until));

        var report = await Poll.UntilAsync(async () => (await ReportsAsync()).SingleOrDefault(), Deadline, () => "the report never showed in /api/v1/outliers");
        Assert.Equal(("ejector", "default", _endpoint.Name, "5 consecutive 5xx responses"), (report.Reporter, report.Namespace, report.Endpoint, report.Reason));
        Assert.Equal(until.ToUnixTimeMilliseconds(), report.Until!.Value.ToUnixTimeMilliseconds());
        var view = await _silo.Admin.GetFromJsonAsync<EndpointView>($"/api/v1/namespaces/default/endpoints/{_endpoint.Name}", MeshJson.Options);
        Assert.Equal(EndpointHealth.Healthy, view!.Health);
        Assert.Equal(_endpoint.ResourceVersion, view.ResourceVersion);
        Assert.Equal("ejector", Assert.Single(view.OutlierReports!).Reporter);
        Assert.Equal(revision, await _silo.StoreRevisionAsync());
        Assert.Equal(0, subscriber.DeltasReceived);

        await subscriber.SendAsync(new OutlierFrame("default", _endpoint.Name, false, null, null));

        await Poll.UntilTrueAsync(async () => (await ReportsAsync()).Count == 0, Deadline, () => "the report never went away after the return");
        Assert.Equal(revision, await _silo.StoreRevisionAsync());
        Assert.Equal(WebSocketState.Open, subscriber.State);
    }

    [Fact]
    public async Task OutlierFrame_ReporterDisconnects_ReportCleared()
    {
        await using (var subscriber = await ConnectAsync("leaver"))
        {
            await subscriber.WaitForAsync(s => s.SnapshotsReceived == 1, Deadline, "a snapshot");
            await subscriber.SendAsync(new OutlierFrame("default", _endpoint.Name, true, "gateway errors", null));
            await Poll.UntilTrueAsync(async () => (await ReportsAsync()).Count == 1, Deadline, () => "the report never showed");
        }

        await Poll.UntilTrueAsync(async () => (await ReportsAsync()).Count == 0, Deadline, () => "the report outlived its reporter's subscription");
    }

    [Theory]
    [InlineData("default", "no-such-endpoint", 10, "is not a registered endpoint")]
    [InlineData("", "x", 10, "outlier.namespace is required")]
    [InlineData("default", "ENDPOINT", 2000, "outlier.reason is longer than 1024")]
    public async Task OutlierFrame_Invalid_ErrorFrameAndPolicyViolation(string ns, string endpoint, int reasonLength, string expected)
    {
        await using var subscriber = await ConnectAsync("bad-reporter");
        await subscriber.WaitForAsync(s => s.SnapshotsReceived == 1, Deadline, "a snapshot");

        await subscriber.SendAsync(new OutlierFrame(ns, endpoint == "ENDPOINT" ? _endpoint.Name : endpoint, true, new string('r', reasonLength), null));

        await subscriber.WaitForAsync(s => s.State != WebSocketState.Open, Deadline, "the silo closing the stream");
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, subscriber.CloseStatus);
        var frames = new List<SubscriptionFrame>();
        while (subscriber.Frames.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        Assert.Contains(expected, Assert.Single(frames.OfType<ErrorFrame>()).Error);
        Assert.Empty(await ReportsAsync());
        using var ready = await _silo.Admin.GetAsync("/readyz");
        Assert.True(ready.IsSuccessStatusCode, "the silo must survive a bad outlier frame");
    }
}
