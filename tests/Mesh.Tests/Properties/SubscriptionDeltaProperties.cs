using FsCheck.Xunit;

namespace Mesh.Tests.Properties;

/// <summary>
/// What a sidecar holds after applying the silo's deltas (with resubscribes, coalesced pushes and a change history
/// that may run out) equals what a fresh subscription would give it. Both ends run their real code in process
/// (<see cref="SubscriptionSimulation"/>). To replay a failure, copy the "(seed, gamma)" FsCheck prints into
/// <c>[Property(Replay = "seed,gamma")]</c>.
/// </summary>
public sealed class SubscriptionDeltaProperties
{
    [Property(MaxTest = 300, Arbitrary = [typeof(SubscriptionArbitrary)])]
    public void Apply_GeneratedWritesAndPushes_HeldStateEqualsFreshSnapshot(SubscriptionCase run)
    {
        var simulation = new SubscriptionSimulation(run);
        simulation.Subscribe();
        AssertCurrent(simulation, "after subscribing");

        for (var i = 0; i < run.Steps.Count; i++)
        {
            switch (run.Steps[i])
            {
                case Push:
                    simulation.Push();
                    AssertCurrent(simulation, $"after step {i} (push)");
                    break;
                case Resubscribe:
                    simulation.Subscribe();
                    AssertCurrent(simulation, $"after step {i} (resubscribe)");
                    break;
                case var write:
                    simulation.Write(write);
                    break;
            }
        }

        simulation.Push();
        AssertCurrent(simulation, "at the end");
    }

    /// <summary>
    /// Found by the property above (shrunk): a DestinationRule whose host moved out of the subscriber's dependencies
    /// was neither sent nor removed, so the sidecar kept the stale copy (docs/protocol.md: keys that "left the
    /// subscriber's scope" are removed).
    /// </summary>
    [Fact]
    public void Next_ResourceLeavesScope_SubscriberGetsItsRemoval()
    {
        var run = new SubscriptionCase(["default/a", "./c"], 1000, [new Upsert("DestinationRule", "default", "c", "c")], []);
        var simulation = new SubscriptionSimulation(run);
        simulation.Subscribe();
        Assert.Single(simulation.Held.Resources);

        simulation.Write(new Upsert("DestinationRule", "default", "c", "b"));
        simulation.Push();

        Assert.Empty(simulation.Held.Resources);
    }

    private static void AssertCurrent(SubscriptionSimulation simulation, string when)
    {
        var fresh = SubscriptionSimulation.Describe(simulation.FreshSnapshot().Resources.Values);
        Assert.Equal(SubscriptionSimulation.Describe(simulation.InScope()), fresh);
        var held = SubscriptionSimulation.Describe(simulation.Held.Resources.Values);
        Assert.True(fresh == held, $"{when}: the subscriber holds\n{held}\nbut a fresh snapshot is\n{fresh}");
    }
}
