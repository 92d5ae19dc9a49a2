using Mesh.Contracts.Registry;
using Mesh.Storage.Abstractions;
using static Mesh.Tests.Storage.StoreTestData;

namespace Mesh.Tests.Storage;

/// <summary>The <see cref="IOutlierReportStore"/> part of the store contract: passive-health reports from sidecars.</summary>
public abstract partial class MeshStoreContractTests
{
    private IOutlierReportStore Reports => Assert.IsAssignableFrom<IOutlierReportStore>(Store);

    private static OutlierReport Report(string reporter, string endpoint, string @namespace = "default", string reason = "5 consecutive 5xx responses") => new()
    {
        Reporter = reporter,
        Namespace = @namespace,
        Endpoint = endpoint,
        Since = T0,
        Until = T0.AddSeconds(30),
        Reason = reason,
    };

    [Fact]
    public async Task UpsertOutlierReportAsync_SameReporterAndEndpoint_ReplacesRowWithoutRevision()
    {
        await Store.WriteAsync([ResourceWrite.Create(Endpoint("a"))], Ct);
        var revision = await Store.GetRevisionAsync(Ct);

        await Reports.UpsertOutlierReportAsync(Report("sidecar-1", "a"), Ct);
        await Reports.UpsertOutlierReportAsync(Report("sidecar-1", "a", reason: "3 consecutive gateway errors") with { Until = T0.AddSeconds(60) }, Ct);
        await Reports.UpsertOutlierReportAsync(Report("sidecar-2", "a"), Ct);

        var list = await Reports.ListOutlierReportsAsync("default", "a", Ct);
        Assert.Equal(["sidecar-1", "sidecar-2"], list.Select(r => r.Reporter));
        Assert.Equal(Report("sidecar-1", "a", reason: "3 consecutive gateway errors") with { Until = T0.AddSeconds(60) }, list[0]);
        Assert.Equal(revision, await Store.GetRevisionAsync(Ct));
        var page = await Store.ReadChangesAsync(revision, 100, Ct);
        Assert.Empty(page.Changes);
    }

    [Fact]
    public async Task ListOutlierReportsAsync_Filters_ByNamespaceAndEndpoint()
    {
        await Reports.UpsertOutlierReportAsync(Report("s1", "b", "prod"), Ct);
        await Reports.UpsertOutlierReportAsync(Report("s1", "a", "prod"), Ct);
        await Reports.UpsertOutlierReportAsync(Report("s2", "a", "default") with { Until = null }, Ct);

        Assert.Equal(3, (await Reports.ListOutlierReportsAsync(null, null, Ct)).Count);
        Assert.Equal(["a", "b"], (await Reports.ListOutlierReportsAsync("prod", null, Ct)).Select(r => r.Endpoint));
        var single = Assert.Single(await Reports.ListOutlierReportsAsync("default", "a", Ct));
        Assert.Null(single.Until);
        Assert.Empty(await Reports.ListOutlierReportsAsync("default", "b", Ct));
    }

    [Fact]
    public async Task RemoveOutlierReportAsync_OneRow_LeavesOtherReportersAndIgnoresMissing()
    {
        await Reports.UpsertOutlierReportAsync(Report("s1", "a"), Ct);
        await Reports.UpsertOutlierReportAsync(Report("s2", "a"), Ct);

        await Reports.RemoveOutlierReportAsync("s1", "default", "a", Ct);
        await Reports.RemoveOutlierReportAsync("s1", "default", "never-reported", Ct);

        Assert.Equal(["s2"], (await Reports.ListOutlierReportsAsync(null, null, Ct)).Select(r => r.Reporter));
    }

    [Fact]
    public async Task OutlierReports_ReporterSubscriberRowRemoved_AreCleared()
    {
        await Store.UpsertSubscribersAsync([Subscriber("departs", "silo-new"), Subscriber("orphaned", "silo-old"), Subscriber("stays", "silo-new")], Ct);
        foreach (var reporter in new[] { "departs", "orphaned", "stays" })
        {
            await Reports.UpsertOutlierReportAsync(Report(reporter, "a"), Ct);
        }

        await Store.RemoveSubscribersAsync(["departs"], Ct);
        await Store.RemoveSubscribersOfSilosAsync(["silo-old"], Ct);

        Assert.Equal(["stays"], (await Reports.ListOutlierReportsAsync(null, null, Ct)).Select(r => r.Reporter));
        await Store.RemoveSubscribersOfSilosAsync(["silo-new"], Ct);
        Assert.Empty(await Reports.ListOutlierReportsAsync(null, null, Ct));
    }
}
