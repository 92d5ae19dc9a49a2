using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Resilience;
using static Mesh.Tests.Sidecar.LoadBalancing.Endpoints;

namespace Mesh.Tests.Sidecar.Resilience;

public sealed class OutlierDetectorTests
{
    private static readonly OutlierDetectionConfig Config = new()
    {
        Consecutive5xxErrors = 3,
        BaseEjectionTime = TimeSpan.FromSeconds(30),
        Interval = TimeSpan.FromSeconds(10),
        MaxEjectionPercent = 50,
    };

    [Fact]
    public void RecordFailure_ThirdConsecutive5xx_EjectsForBaseTime()
    {
        EndpointRuntime[] cluster = [Make(1), Make(2)];
        var now = TimeSpan.FromHours(1).Ticks;

        Assert.False(OutlierDetector.RecordFailure(Config, cluster, cluster[0], false, now));
        Assert.False(OutlierDetector.RecordFailure(Config, cluster, cluster[0], false, now));
        Assert.True(OutlierDetector.RecordFailure(Config, cluster, cluster[0], false, now));

        Assert.True(cluster[0].State.IsEjected(now + TimeSpan.FromSeconds(29).Ticks));
        Assert.False(cluster[0].State.IsEjected(now + TimeSpan.FromSeconds(30).Ticks));
    }

    [Fact]
    public void RecordSuccess_BetweenFailures_ResetsTheCount()
    {
        EndpointRuntime[] cluster = [Make(1), Make(2)];

        OutlierDetector.RecordFailure(Config, cluster, cluster[0], false, 1);
        OutlierDetector.RecordFailure(Config, cluster, cluster[0], false, 1);
        OutlierDetector.RecordSuccess(cluster[0].State);

        Assert.False(OutlierDetector.RecordFailure(Config, cluster, cluster[0], false, 1));
        Assert.False(cluster[0].State.IsEjected(1));
    }

    [Fact]
    public void RecordFailure_RepeatedEjections_TimeGrowsLinearly()
    {
        EndpointRuntime[] cluster = [Make(1), Make(2)];
        var now = TimeSpan.FromHours(1).Ticks;

        Eject(cluster, now);
        var firstEnd = cluster[0].State.EjectedUntilTicks;
        Eject(cluster, firstEnd);   // fails again right after returning

        Assert.Equal(TimeSpan.FromSeconds(60).Ticks, cluster[0].State.EjectedUntilTicks - firstEnd);
        Assert.Equal(2, cluster[0].State.EjectionMultiplier);
    }

    [Fact]
    public void RecordFailure_HealthyForIntervals_MultiplierDecays()
    {
        EndpointRuntime[] cluster = [Make(1), Make(2)];
        var now = TimeSpan.FromHours(1).Ticks;
        Eject(cluster, now);
        Eject(cluster, cluster[0].State.EjectedUntilTicks);
        var secondEnd = cluster[0].State.EjectedUntilTicks;

        // Two intervals (20 s) healthy take the multiplier from 2 back to 0, so the next ejection is the base time.
        Eject(cluster, secondEnd + TimeSpan.FromSeconds(20).Ticks);

        Assert.Equal(1, cluster[0].State.EjectionMultiplier);
    }

    [Fact]
    public void EjectionTime_ManyEjections_CappedAt300Seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(300), OutlierDetector.EjectionTime(TimeSpan.FromSeconds(30), 50));
        Assert.Equal(TimeSpan.FromSeconds(90), OutlierDetector.EjectionTime(TimeSpan.FromSeconds(30), 3));
    }

    [Fact]
    public void RecordFailure_MaxEjectionPercentReached_SecondEndpointStays()
    {
        EndpointRuntime[] cluster = [Make(1), Make(2)];

        Eject(cluster, 10, endpoint: 0);
        Eject(cluster, 10, endpoint: 1);

        Assert.True(cluster[0].State.IsEjected(10));
        Assert.False(cluster[1].State.IsEjected(10));
    }

    [Fact]
    public void RecordFailure_GatewayErrorsThreshold_EjectsOnGatewayErrorsOnly()
    {
        EndpointRuntime[] cluster = [Make(1), Make(2)];
        var config = Config with { Consecutive5xxErrors = 0, ConsecutiveGatewayErrors = 2 };

        Assert.False(OutlierDetector.RecordFailure(config, cluster, cluster[0], isGatewayError: false, 1));
        Assert.False(OutlierDetector.RecordFailure(config, cluster, cluster[0], isGatewayError: true, 1));
        Assert.True(OutlierDetector.RecordFailure(config, cluster, cluster[0], isGatewayError: true, 1));
    }

    private static void Eject(EndpointRuntime[] cluster, long now, int endpoint = 0)
    {
        for (var i = 0; i < Config.Consecutive5xxErrors; i++)
        {
            OutlierDetector.RecordFailure(Config, cluster, cluster[endpoint], false, now);
        }
    }
}
