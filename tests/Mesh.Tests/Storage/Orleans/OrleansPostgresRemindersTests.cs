using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Storage.Orleans;

[Collection(PostgresCollection.Name)]
public sealed class OrleansPostgresRemindersTests(PostgresFixture postgres) : OrleansPostgresTestBase(postgres)
{
    [Fact]
    public async Task RegisterOrUpdateReminder_OneSecondPeriod_IsStoredFiresAndUnregisters()
    {
        var silo = await StartSiloAsync();
        var ticker = silo.Grains.GetGrain<IOrleansTickerGrain>("t");

        await ticker.StartAsync(TimeSpan.FromSeconds(1));

        Assert.Equal(1000L, await ScalarAsync<long>(
            "SELECT Period FROM OrleansRemindersTable WHERE ServiceId = @service AND ReminderName = @name",
            ("service", ClusterId), ("name", OrleansTickerGrain.ReminderName)));
        await Poll.UntilTrueAsync(async () => await ticker.GetTicksAsync() >= 2, Deadline, () => "the reminder did not fire twice");

        await ticker.StopAsync();
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM OrleansRemindersTable WHERE ServiceId = @service", ("service", ClusterId)));
    }
}
