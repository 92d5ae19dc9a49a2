using Mesh.Contracts.Registry;

namespace Mesh.Silo.Health;

/// <summary>
/// Turns probe results into an endpoint's health: consecutive-result thresholds first, then flap damping. Starts
/// from the stored health, so a silo that takes over a shard continues where the previous owner left off.
/// </summary>
internal sealed class EndpointHealthTracker(EndpointHealth initial, FlapDamper damper)
{
    private EndpointHealth _thresholded = initial;
    private int _successes;
    private int _failures;

    /// <summary>The health to publish; <see cref="EndpointHealth.Unknown"/> until the thresholds decide.</summary>
    public EndpointHealth Current =>
        _thresholded == EndpointHealth.Unknown ? EndpointHealth.Unknown
        : damper.IsSuppressed ? EndpointHealth.Unhealthy
        : _thresholded;

    public void Record(bool success, int healthyThreshold, int unhealthyThreshold)
    {
        if (success)
        {
            _failures = 0;
            _successes++;
            if (_thresholded != EndpointHealth.Healthy && _successes >= healthyThreshold)
            {
                MoveTo(EndpointHealth.Healthy);
            }
        }
        else
        {
            _successes = 0;
            _failures++;
            if (_thresholded != EndpointHealth.Unhealthy && _failures >= unhealthyThreshold)
            {
                MoveTo(EndpointHealth.Unhealthy);
            }
        }
    }

    private void MoveTo(EndpointHealth health)
    {
        // Leaving Unknown is a first verdict, not a flap.
        if (_thresholded != EndpointHealth.Unknown)
        {
            damper.RecordTransition();
        }

        _thresholded = health;
    }
}
