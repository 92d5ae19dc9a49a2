using Mesh.Silo.Health;
using Mesh.Tests.Sidecar;

namespace Mesh.Tests.Health;

/// <summary>Flap damping with a hand-moved clock: penalty, decay, suppression and reuse.</summary>
public sealed class FlapDamperTests
{
    private static readonly DampingOptions Options = new();
    private readonly ManualTimeProvider _time = new();

    [Fact]
    public void Penalty_AfterOneHalfLife_IsHalved()
    {
        var damper = new FlapDamper(Options, _time);
        damper.RecordTransition();

        _time.Advance(Options.HalfLife);

        Assert.Equal(Options.Penalty / 2, damper.Penalty, precision: 6);
    }

    [Fact]
    public void RecordTransition_QuickTransitions_SuppressOnlyAfterExceedingTheLimit()
    {
        var damper = new FlapDamper(Options, _time);
        var allowed = (int)(Options.SuppressLimit / Options.Penalty);

        for (var i = 0; i < allowed; i++)
        {
            damper.RecordTransition();
            Assert.False(damper.IsSuppressed);
        }

        damper.RecordTransition();
        Assert.True(damper.IsSuppressed);
    }

    [Fact]
    public void IsSuppressed_PenaltyDecaysBelowReuseLimit_Releases()
    {
        var damper = new FlapDamper(Options, _time);
        for (var i = 0; i < 3; i++)
        {
            damper.RecordTransition();
        }

        var releaseAfter = Options.HalfLife * Math.Log2(damper.Penalty / Options.ReuseLimit);
        _time.Advance(releaseAfter - TimeSpan.FromSeconds(1));
        Assert.True(damper.IsSuppressed);

        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(damper.IsSuppressed);
    }

    [Fact]
    public void RecordTransition_EndlessFlapping_PenaltyCappedSoTheHoldIsBounded()
    {
        var damper = new FlapDamper(Options, _time);
        for (var i = 0; i < 100; i++)
        {
            damper.RecordTransition();
            _time.Advance(TimeSpan.FromMilliseconds(200));
        }

        Assert.True(damper.Penalty <= Options.MaxPenalty);
        _time.Advance(Options.HalfLife * Math.Log2(Options.MaxPenalty / Options.ReuseLimit) + TimeSpan.FromSeconds(1));
        Assert.False(damper.IsSuppressed);
    }

    [Fact]
    public void RecordTransition_SlowTransitions_NeverSuppress()
    {
        var damper = new FlapDamper(Options, _time);
        for (var i = 0; i < 20; i++)
        {
            damper.RecordTransition();
            Assert.False(damper.IsSuppressed);
            _time.Advance(Options.HalfLife * 2);
        }
    }
}
