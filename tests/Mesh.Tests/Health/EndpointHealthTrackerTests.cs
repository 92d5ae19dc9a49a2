using Mesh.Contracts.Registry;
using Mesh.Silo.Health;
using Mesh.Tests.Sidecar;

namespace Mesh.Tests.Health;

/// <summary>Consecutive-result thresholds combined with flap damping.</summary>
public sealed class EndpointHealthTrackerTests
{
    private static readonly DampingOptions Damping = new();
    private readonly ManualTimeProvider _time = new();

    private EndpointHealthTracker Tracker(EndpointHealth initial) => new(initial, new FlapDamper(Damping, _time));

    [Fact]
    public void Record_FailuresBelowThreshold_StaysHealthy()
    {
        var tracker = Tracker(EndpointHealth.Healthy);
        tracker.Record(false, 2, 3);
        tracker.Record(false, 2, 3);
        tracker.Record(true, 2, 3);
        tracker.Record(false, 2, 3);

        Assert.Equal(EndpointHealth.Healthy, tracker.Current);
    }

    [Fact]
    public void Record_ConsecutiveFailuresThenSuccesses_FollowsThresholds()
    {
        var tracker = Tracker(EndpointHealth.Healthy);
        for (var i = 0; i < 3; i++)
        {
            tracker.Record(false, 2, 3);
        }

        Assert.Equal(EndpointHealth.Unhealthy, tracker.Current);
        tracker.Record(true, 2, 3);
        Assert.Equal(EndpointHealth.Unhealthy, tracker.Current);
        tracker.Record(true, 2, 3);
        Assert.Equal(EndpointHealth.Healthy, tracker.Current);
    }

    [Fact]
    public void Current_UnknownUntilThresholdMet()
    {
        var tracker = Tracker(EndpointHealth.Unknown);
        tracker.Record(true, 2, 3);
        Assert.Equal(EndpointHealth.Unknown, tracker.Current);

        tracker.Record(true, 2, 3);
        Assert.Equal(EndpointHealth.Healthy, tracker.Current);
    }

    [Fact]
    public void Record_FlappingEveryProbe_PublishedHealthChangesBoundedThenHeldUnhealthy()
    {
        var tracker = Tracker(EndpointHealth.Healthy);
        var published = new List<EndpointHealth>();
        var last = tracker.Current;
        for (var i = 0; i < 200; i++)
        {
            tracker.Record(i % 2 == 1, 1, 1);
            _time.Advance(TimeSpan.FromMilliseconds(200));
            if (tracker.Current != last)
            {
                last = tracker.Current;
                published.Add(last);
            }
        }

        // At most SuppressLimit/Penalty + 1 changes get out before suppression, and the hold outlasts the run.
        Assert.InRange(published.Count, 1, (int)(Damping.SuppressLimit / Damping.Penalty) + 1);
        Assert.Equal(EndpointHealth.Unhealthy, tracker.Current);
    }

    [Fact]
    public void Current_AfterFlappingStops_RecoversOncePenaltyDecays()
    {
        var tracker = Tracker(EndpointHealth.Healthy);
        for (var i = 0; i < 10; i++)
        {
            tracker.Record(i % 2 == 1, 1, 1);
        }

        tracker.Record(true, 1, 1);
        Assert.Equal(EndpointHealth.Unhealthy, tracker.Current);

        _time.Advance(Damping.HalfLife * Math.Log2(Damping.MaxPenalty / Damping.ReuseLimit) + TimeSpan.FromSeconds(1));
        Assert.Equal(EndpointHealth.Healthy, tracker.Current);
    }
}
