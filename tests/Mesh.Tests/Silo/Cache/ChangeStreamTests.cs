using System.Globalization;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Mesh.Contracts.Json;
using Mesh.Silo.Api;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo.Cache;

/// <summary>
/// How a write through one silo reaches the others: a notice on the Orleans change stream wakes them at once, and the
/// change-log poll is the anti-entropy that makes a silo converge even when it loses every notice.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class ChangeStreamTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Write_ViaOneSilo_OtherSiloWokenByStreamNotPoll_SiloDroppingNoticesConvergesByPolling()
    {
        var database = await postgres.CreateDatabaseAsync("change_stream");
        await using var writer = await SiloProcess.StartAsync(database, "silo-writer", output);
        // Polls so rarely that within the deadline only the stream can have told it.
        await using var listener = await SiloProcess.StartAsync(database, "silo-listener", output, new Dictionary<string, string?>
        {
            ["Mesh__ChangePollInterval"] = "00:05:00",
        });
        // Loses every notice on purpose; it must still converge, by polling alone.
        await using var deaf = await SiloProcess.StartAsync(database, "silo-deaf", output, new Dictionary<string, string?>
        {
            ["Mesh__ChangePollInterval"] = "00:00:00.500",
            ["Mesh__Faults__DropChangeNotices"] = "true",
        });
        // A silo's subscription to the stream is made in the background at start; wait until the listener gets notices.
        var written = await Poll.UntilAsync(async () =>
        {
            var service = await writer.Admin.PutServiceAsync(TestResources.Service($"probe-{Guid.NewGuid():N}"[..20]));
            return await NoticesAsync(listener, "received") > 0 ? service : null;
        }, Deadline, () => "the listener never received a change notice");

        var latest = await writer.Admin.PutServiceAsync(TestResources.Service("reviews"));

        await WaitForRevisionAsync(listener, latest.Version);
        await WaitForRevisionAsync(deaf, latest.Version);
        Assert.True(await NoticesAsync(deaf, "dropped") > 0, "the deaf silo was sent no notice to drop");
        Assert.Equal(0, await NoticesAsync(deaf, "received"));
        output.WriteLine($"first notice for revision {written.Version}, last write at {latest.Version}");
    }

    private static Task WaitForRevisionAsync(SiloProcess silo, long revision) =>
        Poll.UntilTrueAsync(async () =>
        {
            var info = await silo.Admin.GetFromJsonAsync<RevisionInfo>("/api/v1/revision", MeshJson.Options);
            return info!.CacheRevision >= revision;
        }, Deadline, () => $"{silo.SiloId} never reached revision {revision}");

    private static async Task<double> NoticesAsync(SiloProcess silo, string outcome)
    {
        var metrics = await silo.Admin.GetStringAsync("/metrics");
        var match = NoticeLine().Matches(metrics).FirstOrDefault(m => m.Groups["outcome"].Value == outcome);
        return match is null ? 0 : double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("""^mesh_silo_change_notices_total\{outcome="(?<outcome>[a-z]+)"\} (?<value>[0-9.e+]+)$""", RegexOptions.Multiline)]
    private static partial Regex NoticeLine();
}
