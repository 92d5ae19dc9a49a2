using Mesh.Storage.Orleans;
using Orleans;
using Orleans.Runtime;

namespace Mesh.Tests.Storage.Orleans;

// Grains the Orleans storage tests run on real silos. Public so Orleans' code generator sees them; aliases keep the
// stored `$type` and wire names stable if the classes move.

[Alias("mesh.tests.counter")]
public interface IOrleansCounterGrain : IGrainWithStringKey
{
    /// <summary>Adds to the counter kept by the "mesh" provider and counts the call in the default provider.</summary>
    [Alias("add")]
    Task<int> AddAsync(int amount);

    [Alias("get")]
    Task<CounterSnapshot> GetAsync();
}

[GenerateSerializer, Alias("mesh.tests.counter-snapshot")]
public sealed record CounterSnapshot([property: Id(0)] int Value, [property: Id(1)] int Writes);

[GenerateSerializer, Alias("mesh.tests.counter-state")]
public sealed class CounterState
{
    [Id(0)]
    public int Value { get; set; }
}

public sealed class OrleansCounterGrain(
    [PersistentState("counter", OrleansPostgresSiloBuilderExtensions.StorageName)] IPersistentState<CounterState> counter,
    [PersistentState("writes")] IPersistentState<CounterState> writes) : Grain, IOrleansCounterGrain
{
    public async Task<int> AddAsync(int amount)
    {
        counter.State.Value += amount;
        await counter.WriteStateAsync();
        writes.State.Value++;
        await writes.WriteStateAsync();
        return counter.State.Value;
    }

    public Task<CounterSnapshot> GetAsync() => Task.FromResult(new CounterSnapshot(counter.State.Value, writes.State.Value));
}

[Alias("mesh.tests.ticker")]
public interface IOrleansTickerGrain : IGrainWithStringKey
{
    [Alias("start")]
    Task StartAsync(TimeSpan period);

    [Alias("stop")]
    Task StopAsync();

    [Alias("ticks")]
    Task<int> GetTicksAsync();
}

public sealed class OrleansTickerGrain : Grain, IOrleansTickerGrain, IRemindable
{
    public const string ReminderName = "tick";
    private int _ticks;

    public Task StartAsync(TimeSpan period) => this.RegisterOrUpdateReminder(ReminderName, period, period);

    public async Task StopAsync()
    {
        if (await this.GetReminder(ReminderName) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task<int> GetTicksAsync() => Task.FromResult(_ticks);

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _ticks++;
        return Task.CompletedTask;
    }
}
