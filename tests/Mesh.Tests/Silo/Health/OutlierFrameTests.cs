using System.Net.Http.Json;
using SubscribeRequest = Mesh.Contracts.Protocol.V1.SubscribeRequest;
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

    private static SubscribeRequest Report(string ns, string endpoint, bool ejected, string? reason, DateTimeOffset? until) => new()
    {
        Outlier = new Mesh.Contracts.Protocol.V1.OutlierReport
        {
            Namespace = ns,
            Endpoint = endpoint,
            Ejected = ejected,
            Reason = reason ?? "",
            Until = until is { } u ? Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(u) : null,
        },
    };

    private async Task<List<OutlierReport>> ReportsAsync() =>
        (await _silo.Admin.GetFromJsonAsync<List<OutlierReport>>("/api/v1/outliers", MeshJson.Options))!;

    [Fact]
    public async Task OutlierFrame_EjectedThenReturned_ShownThenClearedWithoutRevision()
    {
        await using var subscriber = await ConnectAsync("ejector");
        await subscriber.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");
        var revision = await _silo.StoreRevisionAsync();
        var until = DateTimeOffset.UtcNow.AddSeconds(30);

        await subscriber.SendAsync(Report("default", _endpoint.Name, true, "5 consecutive 5xx responses", until));

        var report = await Poll.UntilAsync(async () => (await ReportsAsync()).SingleOrDefault(), Deadline, () => "the report never showed in /api/v1/outliers");
        Assert.Equal(("ejector", "default", _endpoint.Name, "5 consecutive 5xx responses"), (report.Reporter, report.Namespace, report.Endpoint, report.Reason));
        Assert.Equal(until.ToUnixTimeMilliseconds(), report.Until!.Value.ToUnixTimeMilliseconds());
        var view = await _silo.Admin.GetFromJsonAsync<EndpointView>($"/api/v1/namespaces/default/endpoints/{_endpoint.Name}", MeshJson.Options);
        Assert.Equal(EndpointHealth.Healthy, view!.Health);
        Assert.Equal(_endpoint.ResourceVersion, view.ResourceVersion);
        Assert.Equal("ejector", Assert.Single(view.OutlierReports!).Reporter);
        Assert.Equal(revision, await _silo.StoreRevisionAsync());
        Assert.Equal(0, subscriber.Updates);

        await subscriber.SendAsync(Report("default", _endpoint.Name, false, null, null));

        await Poll.UntilTrueAsync(async () => (await ReportsAsync()).Count == 0, Deadline, () => "the report never went away after the return");
        Assert.Equal(revision, await _silo.StoreRevisionAsync());
        Assert.Null(subscriber.EndStatus);
    }

    [Fact]
    public async Task OutlierFrame_ReporterDisconnects_ReportCleared()
    {
        await using (var subscriber = await ConnectAsync("leaver"))
        {
            await subscriber.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");
            await subscriber.SendAsync(Report("default", _endpoint.Name, true, "gateway errors", null));
            await Poll.UntilTrueAsync(async () => (await ReportsAsync()).Count == 1, Deadline, () => "the report never showed");
        }

        await Poll.UntilTrueAsync(async () => (await ReportsAsync()).Count == 0, Deadline, () => "the report outlived its reporter's subscription");
    }

    [Theory]
    [InlineData("default", "no-such-endpoint", 10, "is not a registered endpoint")]
    [InlineData("", "x", 10, "outlier.namespace is required")]
    [InlineData("default", "ENDPOINT", 2000, "outlier.reason is longer than 1024")]
    public async Task OutlierFrame_Invalid_EndsStreamWithInvalidArgument(string ns, string endpoint, int reasonLength, string expected)
    {
        await using var subscriber = await ConnectAsync("bad-reporter");
        await subscriber.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");

        await subscriber.SendAsync(Report(ns, endpoint == "ENDPOINT" ? _endpoint.Name : endpoint, true, new string('r', reasonLength), null));

        var status = await subscriber.WaitForEndAsync(Deadline);
        Assert.Equal(Grpc.Core.StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains(expected, status.Detail);
        Assert.Empty(await ReportsAsync());
        using var ready = await _silo.Admin.GetAsync("/readyz");
        Assert.True(ready.IsSuccessStatusCode, "the silo must survive a bad outlier frame");
    }
}
